import { ValidationError } from '../errors.js';

/**
 * The version a write is conditioned on, from `version` in the body or an `If-Match` header carrying a strong ETag of
 * this API (`"3"`). When both are sent they must agree, since a client that disagrees with itself has a bug we should
 * not guess around.
 * @param entity what the ETag belongs to, for the message (`product`, `profile`)
 * @returns the version named, or `undefined` when neither names one
 * @throws ValidationError (400) for a header that is not such an ETag, or a body and header that disagree
 */
export function versionNamed(bodyVersion: number | undefined, ifMatch: string | undefined, entity: string): number | undefined {
  let fromHeader: number | undefined;
  if (ifMatch !== undefined) {
    const match = /^"([1-9]\d{0,14})"$/.exec(ifMatch.trim());
    if (!match) throw new ValidationError([{ field: 'header.if-match', message: `must be the ${entity}'s ETag, such as "3"` }]);
    fromHeader = Number(match[1]);
  }
  if (bodyVersion !== undefined && fromHeader !== undefined && bodyVersion !== fromHeader) {
    throw new ValidationError([{ field: 'body.version', message: `is ${bodyVersion} but If-Match says ${fromHeader}` }]);
  }
  return bodyVersion ?? fromHeader;
}

/**
 * `versionNamed` for writes that must name the version they change (optimistic concurrency the caller opts into).
 * @throws ValidationError (400) as `versionNamed`, and when neither names a version
 */
export function versionRequired(bodyVersion: number | undefined, ifMatch: string | undefined, entity: string): number {
  const expected = versionNamed(bodyVersion, ifMatch, entity);
  if (expected === undefined) throw new ValidationError([{ field: 'body.version', message: 'is required unless an If-Match header carries the ETag' }]);
  return expected;
}
