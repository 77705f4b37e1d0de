import {
  AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CreateGroupCommand,
  ResourceNotFoundException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { cognitoStaffDirectory, memberFromGroups } from '../../../shared/staff/cognito-directory.js';
import { checkStaffGrant } from '../../../shared/staff/directory.js';
import type { AppError } from '../../../shared/errors.js';

const POOL = 'eu-west-2_Staff1';
const SUB = '5f0c7a52-0b7e-4d0a-9a61-3b1f6c1d2e3f';

/** A staff pool in memory: users' groups, which groups exist, and every command in order. */
function fakePool(groups: Record<string, string[]>, existing: string[]) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const known = new Set(existing);
  const send = (command: { constructor: { name: string }; input: Record<string, unknown> }): Promise<unknown> => {
    sent.push({ name: command.constructor.name, input: command.input });
    const user = command.input.Username as string;
    if (command instanceof AdminListGroupsForUserCommand) {
      if (!groups[user]) return Promise.reject(new UserNotFoundException({ message: 'User does not exist.', $metadata: {} }));
      return Promise.resolve({ Groups: groups[user].map((GroupName) => ({ GroupName })) });
    }
    if (command instanceof AdminAddUserToGroupCommand) {
      const group = command.input.GroupName!;
      if (!known.has(group)) return Promise.reject(new ResourceNotFoundException({ message: 'Group not found.', $metadata: {} }));
      groups[user]!.push(group);
      return Promise.resolve({});
    }
    if (command instanceof AdminRemoveUserFromGroupCommand) {
      groups[user] = groups[user]!.filter((g) => g !== command.input.GroupName);
      return Promise.resolve({});
    }
    if (command instanceof CreateGroupCommand) {
      known.add(command.input.GroupName!);
      return Promise.resolve({});
    }
    return Promise.reject(new Error(`unexpected ${command.constructor.name}`));
  };
  return { sent, groups, client: { send } as never };
}

function fakeTable() {
  const puts: Record<string, unknown>[] = [];
  const db = { send: (command: PutCommand) => (puts.push(command.input.Item!), Promise.resolve({})) } as unknown as DynamoDBDocumentClient;
  return { puts, deps: { db, tableName: 't' } };
}

const change = { subject: SUB, actor: 'admin-1', actorKind: 'person' as const, at: '2026-12-07T10:00:00.000Z' };

describe('staff roles as Cognito groups', () => {
  it('reads roles from role groups and stores from store:<id> groups, ignoring anyone else’s groups', () => {
    expect(memberFromGroups(SUB, ['store:camden', 'picker', 'beta-testers', 'store-manager'])).toEqual({ subject: SUB, roles: ['picker', 'store-manager'], stores: ['camden'] });
  });

  it('adds and removes exactly the groups that differ, makes a store’s group on first use, then audits once', async () => {
    const pool = fakePool({ [SUB]: ['picker', 'store:camden'] }, ['picker', 'store-manager', 'store:camden']);
    const table = fakeTable();
    const result = await cognitoStaffDirectory(POOL, pool.client, table.deps).setRoles({ ...change, roles: ['store-manager'], stores: ['islington'] });
    expect(result.before).toEqual({ subject: SUB, roles: ['picker'], stores: ['camden'] });
    expect(result.after).toEqual({ subject: SUB, roles: ['store-manager'], stores: ['islington'] });
    expect(pool.sent.map((c) => `${c.name} ${String(c.input.GroupName ?? '')}`.trim())).toEqual([
      'AdminListGroupsForUserCommand',
      'AdminAddUserToGroupCommand store-manager',
      'AdminAddUserToGroupCommand store:islington',
      'CreateGroupCommand store:islington',
      'AdminAddUserToGroupCommand store:islington',
      'AdminRemoveUserFromGroupCommand picker',
      'AdminRemoveUserFromGroupCommand store:camden',
    ]);
    expect(pool.sent.every((c) => c.input.UserPoolId === POOL)).toBe(true);
    expect(table.puts).toHaveLength(1);
    expect(table.puts[0]).toMatchObject({ entity: 'staff', entityId: SUB, action: 'set-roles', actor: 'admin-1', before: { roles: ['picker'] }, after: { roles: ['store-manager'] } });
  });

  it('audits nothing when nothing changes', async () => {
    const pool = fakePool({ [SUB]: ['admin'] }, ['admin']);
    const table = fakeTable();
    await cognitoStaffDirectory(POOL, pool.client, table.deps).setRoles({ ...change, roles: ['admin'], stores: [] });
    expect(table.puts).toHaveLength(0);
    expect(pool.sent.map((c) => c.name)).toEqual(['AdminListGroupsForUserCommand']);
  });

  it('answers 404 for someone not in the pool, and changes nothing', async () => {
    const pool = fakePool({}, ['admin']);
    const table = fakeTable();
    await expect(cognitoStaffDirectory(POOL, pool.client, table.deps).setRoles({ ...change, roles: ['admin'], stores: [] })).rejects.toMatchObject({ kind: 'not-found' });
    expect(table.puts).toHaveLength(0);
  });

  it('never audits a change Cognito refused', async () => {
    const pool = fakePool({ [SUB]: [] }, []);
    const table = fakeTable();
    await expect(cognitoStaffDirectory(POOL, pool.client, table.deps).setRoles({ ...change, roles: ['admin'], stores: [] })).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(table.puts).toHaveLength(0);
  });
});

describe('which stores a set of staff roles takes', () => {
  it('wants stores for pickers and store managers, and none otherwise', () => {
    const code = (roles: Parameters<typeof checkStaffGrant>[0]['roles'], stores: string[]) => {
      try {
        checkStaffGrant({ roles, stores });
        return undefined;
      } catch (error) {
        return (error as AppError).code;
      }
    };
    expect(code(['picker'], [])).toBe('stores-required');
    expect(code(['picker'], ['camden'])).toBeUndefined();
    expect(code(['head-office'], ['camden'])).toBe('stores-not-applicable');
    expect(code(['customer-service'], [])).toBeUndefined();
    expect(code([], [])).toBeUndefined();
  });
});
