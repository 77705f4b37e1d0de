import { createHash } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CreateGroupCommand,
  ListUsersCommand,
  ListUsersInGroupCommand,
  type AdminListGroupsForUserCommandOutput,
  type ListUsersCommandOutput,
  type ListUsersInGroupCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { parseRoles } from '../auth/roles.js';
import type { TableDeps } from '../db/deps.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { logger } from '../observability/logger.js';
import { normalised, type StaffChange, type StaffDirectory, type StaffMember } from './directory.js';
import { staffAuditItem } from './table-directory.js';

/** The group that puts a member of staff at a store: `store:<id>` (docs/security.md), beside the role groups. */
const STORE_GROUP = 'store:';

type CognitoCommand =
  | AdminAddUserToGroupCommand
  | AdminRemoveUserFromGroupCommand
  | AdminListGroupsForUserCommand
  | CreateGroupCommand
  | ListUsersCommand
  | ListUsersInGroupCommand;

/** What the adapter needs of the SDK client: sending a command (a test passes a fake that records them). */
export interface CognitoStaffSender {
  send(command: AdminListGroupsForUserCommand): Promise<AdminListGroupsForUserCommandOutput>;
  send(command: ListUsersCommand): Promise<ListUsersCommandOutput>;
  send(command: ListUsersInGroupCommand): Promise<ListUsersInGroupCommandOutput>;
  send(command: CognitoCommand): Promise<unknown>;
}

const isNamed = (error: unknown, name: string) => (error as { name?: string }).name === name;

/** Roles and stores from a user's group names; groups that are neither are someone else's and ignored. */
export function memberFromGroups(subject: string, groups: readonly string[]): StaffMember {
  return normalised({
    subject,
    roles: parseRoles(groups),
    stores: groups.filter((g) => g.startsWith(STORE_GROUP)).map((g) => g.slice(STORE_GROUP.length)),
  });
}

const groupsOf = (m: StaffMember) => [...m.roles, ...m.stores.map((s) => `${STORE_GROUP}${s}`)];

/**
 * The staff pool's groups through Cognito's admin API: a role is the group of its name, a store the group
 * `store:<id>` (made on first use). Cognito is outside the table, so no transaction can hold a group change and its
 * audit entry: the entry is written after the group calls succeed, so it never records a change that did not happen,
 * and its id is derived from the change (subject, before, after, the request's time) so a retried write of the same
 * entry is one entry. Were that write to fail, the request fails; the groups have changed and a retry finds nothing
 * left to change, so the gap is logged as an error for an operator.
 */
export function cognitoStaffDirectory(userPoolId: string, client: CognitoStaffSender, deps: Pick<TableDeps, 'db' | 'tableName'>): StaffDirectory {
  const groups = async (subject: string): Promise<string[] | undefined> => {
    const names: string[] = [];
    let next: string | undefined;
    try {
      do {
        const page = await client.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: subject, Limit: 60, NextToken: next }));
        names.push(...(page.Groups ?? []).flatMap((g) => (g.GroupName ? [g.GroupName] : [])));
        next = page.NextToken;
      } while (next);
    } catch (error) {
      if (isNamed(error, 'UserNotFoundException')) return undefined;
      throw error;
    }
    return names;
  };
  const addToGroup = async (subject: string, group: string) => {
    const add = () => client.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: subject, GroupName: group }));
    try {
      await add();
    } catch (error) {
      // A store's group is made the first time someone is put there; the role groups exist from deployment.
      if (!isNamed(error, 'ResourceNotFoundException') || !group.startsWith(STORE_GROUP)) throw error;
      try {
        await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group, Description: `SmartShelf store ${group.slice(STORE_GROUP.length)}` }));
      } catch (created) {
        if (!isNamed(created, 'GroupExistsException')) throw created;
      }
      await add();
    }
  };
  const decodeToken = (cursor: string) => {
    const token = Buffer.from(cursor, 'base64url').toString('utf8');
    if (token.length === 0) throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor returned by this API' }], 'The cursor is not valid.');
    return token;
  };
  return {
    get: async (subject) => {
      const found = await groups(subject);
      return found ? memberFromGroups(subject, found) : undefined;
    },
    list: async (query) => {
      const token = query.cursor !== undefined ? decodeToken(query.cursor) : undefined;
      const page = query.role
        ? await client.send(new ListUsersInGroupCommand({ UserPoolId: userPoolId, GroupName: query.role, Limit: query.limit, NextToken: token }))
        : await client.send(new ListUsersCommand({ UserPoolId: userPoolId, Limit: query.limit, PaginationToken: token, AttributesToGet: ['sub'] }));
      const users = 'Users' in page ? (page.Users ?? []) : [];
      // The sub is the subject of their tokens; the username in an email-sign-in pool is that same UUID.
      const subjects = users.flatMap((u) => (u.Username ? [u.Username] : []));
      const items = await Promise.all(subjects.map(async (subject) => memberFromGroups(subject, (await groups(subject)) ?? [])));
      const next = 'PaginationToken' in page ? page.PaginationToken : 'NextToken' in page ? page.NextToken : undefined;
      return { items, nextCursor: next ? Buffer.from(next, 'utf8').toString('base64url') : null };
    },
    setRoles: async (change: StaffChange) => {
      const found = await groups(change.subject);
      if (!found) throw new NotFoundError('staff', change.subject);
      const before = memberFromGroups(change.subject, found);
      const after = normalised({ subject: change.subject, roles: [...change.roles], stores: [...change.stores] });
      const had = new Set(groupsOf(before));
      const wanted = new Set(groupsOf(after));
      for (const group of wanted) if (!had.has(group)) await addToGroup(change.subject, group);
      for (const group of had) {
        if (!wanted.has(group)) await client.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: userPoolId, Username: change.subject, GroupName: group }));
      }
      if (JSON.stringify(before) === JSON.stringify(after)) return { before, after };
      const id = createHash('sha256').update(JSON.stringify([change.subject, change.at, before, after])).digest('hex').slice(0, 26).toUpperCase();
      await deps.db.send(
        new PutCommand({
          TableName: deps.tableName,
          Item: staffAuditItem(change, before, after, id),
          // The same entry written twice stays one: a retry of this put must not audit the change again.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ).catch((error: unknown) => {
        if (isNamed(error, 'ConditionalCheckFailedException')) return;
        // The groups have changed and a retry will find nothing to change: say so for an operator to audit by hand.
        logger.error('staff roles changed in Cognito but not audited', { subject: change.subject, actor: change.actor, error: (error as Error).message });
        throw error;
      });
      return { before, after };
    },
  };
}
