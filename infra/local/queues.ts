import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { queues as wiredQueues, type QueueSpec } from '../../wiring/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './engines/credentials.js';

/** Local visibility timeout: short, so that a failed message comes back within seconds, not minutes. */
export const LOCAL_VISIBILITY_TIMEOUT_SECONDS = 3;

/** The DLQ of a queue, named as on AWS by the CDK app's convention. */
export function dlqName(queueId: string): string {
  return `${queueId}-dlq`;
}

export interface CreatedQueue {
  id: string;
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** An SQS client on a local endpoint. */
export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/**
 * Creates every wiring queue and its DLQ (redrive after `maxReceiveCount` receives) through the
 * SQS API. CreateQueue is idempotent, so a restart finds the same URLs.
 */
export async function createQueues(
  endpoint: string,
  specs: readonly QueueSpec[] = wiredQueues,
  visibilityTimeoutSeconds = LOCAL_VISIBILITY_TIMEOUT_SECONDS,
): Promise<CreatedQueue[]> {
  const sqs = localSqsClient(endpoint);
  try {
    return await Promise.all(
      specs.map(async (spec) => {
        const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: dlqName(spec.id) }))).QueueUrl!;
        const dlqArn = await arnOf(sqs, dlqUrl);
        const url = (
          await sqs.send(
            new CreateQueueCommand({
              QueueName: spec.id,
              Attributes: {
                VisibilityTimeout: String(visibilityTimeoutSeconds),
                RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: String(spec.maxReceiveCount) }),
              },
            }),
          )
        ).QueueUrl!;
        return { id: spec.id, url, arn: await arnOf(sqs, url), dlqUrl, dlqArn };
      }),
    );
  } finally {
    sqs.destroy();
  }
}

/**
 * The URL every created queue's name follows (`<prefix><queue-id>`, its DLQ `<prefix><queue-id>-dlq`), which functions
 * build dead-letter queue URLs from as they do on AWS (`access.deadLetters`).
 * @throws Error when the engine named a queue otherwise
 */
export function queueUrlPrefixOf(created: readonly CreatedQueue[]): string {
  const first = created[0];
  const prefix = first ? first.url.slice(0, first.url.length - first.id.length) : '';
  for (const q of created) {
    if (q.url !== `${prefix}${q.id}` || q.dlqUrl !== `${prefix}${dlqName(q.id)}`) throw new Error(`queue ${q.id} is not at ${prefix}<name>: ${q.url}, ${q.dlqUrl}`);
  }
  return prefix;
}

async function arnOf(sqs: SQSClient, url: string): Promise<string> {
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return attributes.Attributes!.QueueArn!;
}
