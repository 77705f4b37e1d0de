import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { rulePattern, type RuleSpec } from '../../wiring/index.js';
import { AwsJsonError, startAwsJsonServer, type AwsJsonServer } from './aws-json-server.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './engines/credentials.js';

/** An event as EventBridge delivers it to a target. */
export interface EventBridgeEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string | number;
}

export interface EventBusOptions {
  busName: string;
  rules: readonly RuleSpec[];
  sqs: SQSClient;
  queueUrl: (queueId: string) => string;
  port?: number;
  log?: (line: string) => void;
}

/** Whether a rule's pattern (the sources and detail-types of its event contracts) matches an event. */
export function ruleMatches(rule: RuleSpec, event: { source: string; detailType: string }): boolean {
  const pattern = rulePattern(rule);
  return pattern.source.includes(event.source) && pattern.detailType.includes(event.detailType);
}

/** EventBridge writes `time` to the second, in UTC: `2024-05-01T12:00:00Z`. */
function eventTime(time: string | number | undefined): string {
  const date = time === undefined ? new Date() : new Date(typeof time === 'number' ? time * 1000 : time);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ARN_OR_NAME = /(?:^|\/)([^/]+)$/;

/**
 * The local event bus: an EventBridge `PutEvents` endpoint that matches each entry against the
 * wiring's rules and sends it, in EventBridge's own envelope, to every matching rule's queue.
 * Entries for another bus, or without source, detail-type or a JSON object detail, fail
 * individually with EventBridge's error codes, as on AWS.
 */
export async function startEventBus(options: EventBusOptions): Promise<AwsJsonServer> {
  const putEvents = async (input: Record<string, unknown>) => {
    const entries = (input.Entries ?? []) as PutEventsEntry[];
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
      throw new AwsJsonError('ValidationException', 'Entries must hold between 1 and 10 events');
    }
    const results = await Promise.all(entries.map((entry) => deliver(entry)));
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  };

  const deliver = async (entry: PutEventsEntry) => {
    const bus = ARN_OR_NAME.exec(entry.EventBusName ?? 'default')?.[1];
    if (bus !== options.busName) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${entry.EventBusName ?? 'default'} does not exist.` };
    }
    if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Source, DetailType and Detail are required.' };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const envelope: EventBridgeEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT,
      time: eventTime(entry.Time),
      region: LOCAL_REGION,
      resources: entry.Resources ?? [],
      detail,
    };
    const targets = options.rules.filter((rule) => ruleMatches(rule, { source: entry.Source!, detailType: entry.DetailType! }));
    await Promise.all(
      targets.map((rule) =>
        options.sqs.send(new SendMessageCommand({ QueueUrl: options.queueUrl(rule.target.queue), MessageBody: JSON.stringify(envelope) })),
      ),
    );
    options.log?.(`event ${entry.Source} ${entry.DetailType} → ${targets.map((t) => t.target.queue).join(', ') || 'no rule'}`);
    return { EventId: envelope.id };
  };

  return startAwsJsonServer({
    targetPrefix: 'AWSEvents',
    contentType: 'application/x-amz-json-1.1',
    operations: { PutEvents: putEvents },
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.log ? { log: options.log } : {}),
  });
}
