import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** AwsSolutions findings as `<rule> at <construct path>`, for readable failures. */
export function findings(scope: IConstruct, pack = new AwsSolutionsChecks()): string[] {
  return pack.validateScope(scope).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

/** Every acknowledgment in a tree, with the construct it sits on. */
export function acknowledgments(scope: IConstruct): { path: string; id: string; reason: string }[] {
  const found: { path: string; id: string; reason: string }[] = [];
  const walk = (c: IConstruct) => {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: c.node.path, id: key.replace(/^annotation::/i, ''), reason });
      }
    }
    c.node.children.forEach(walk);
  };
  walk(scope);
  return found;
}

/**
 * Acknowledgments that cover no finding: stale ones that would hide a future finding, or typos.
 * The same pack, blind to acknowledgments, lists what each one is there for.
 */
export function unusedAcknowledgments(scope: IConstruct): string[] {
  const blind = new AwsSolutionsChecks();
  (blind as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  const raw = findings(scope, blind);
  return acknowledgments(scope)
    .filter((ack) => !raw.some((f) => f === `${ack.id} at ${ack.path}` || f.startsWith(`${ack.id} at ${ack.path}/`)))
    .map((ack) => `${ack.id} at ${ack.path}`);
}
