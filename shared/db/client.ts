import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The process-wide DynamoDB document client. Created once per cold start; the endpoint comes from
 * the SDK's own `AWS_ENDPOINT_URL_DYNAMODB` when the local runtime sets it, so nothing here knows
 * where it runs.
 */
export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
