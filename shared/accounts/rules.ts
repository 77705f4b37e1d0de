import { EDITABLE_FIELDS, type EditableField, type MarketingConsent, type Profile, type ProfilePatch } from './model.js';

/** What a patch does to the stored profile: the fields to set and those to remove. */
export interface ProfileChange {
  set: Partial<Pick<Profile, EditableField | 'marketingConsent'>>;
  remove: EditableField[];
}

/**
 * Marketing consent after the shopper says `granted`: its time moves only when the answer changes, so repeating the
 * same answer keeps the moment consent was actually given (or withdrawn), which is what a regulator asks for.
 */
export function nextConsent(current: MarketingConsent, granted: boolean | undefined, now: string): MarketingConsent {
  if (granted === undefined || (granted === current.granted && current.at !== null)) return current;
  return { granted, at: now };
}

/**
 * Applies a merge patch of a profile's own fields (RFC 7386, flat: `null` removes, a value replaces, absent leaves
 * alone) and tells what changed. A patch that changes nothing yields an empty change, so it writes nothing.
 */
export function profileChange(current: Profile, patch: ProfilePatch, now: string): ProfileChange {
  const change: ProfileChange = { set: {}, remove: [] };
  for (const field of EDITABLE_FIELDS) {
    const value = patch[field];
    if (value === undefined) continue;
    if (value === null) {
      if (current[field] !== undefined) change.remove.push(field);
    } else if (value !== current[field]) {
      change.set[field] = value;
    }
  }
  const consent = nextConsent(current.marketingConsent, patch.marketingConsent?.granted, now);
  if (consent !== current.marketingConsent) change.set.marketingConsent = consent;
  return change;
}

/** Whether a change changes anything. */
export function isEmptyChange(change: ProfileChange): boolean {
  return change.remove.length === 0 && Object.keys(change.set).length === 0;
}

/** The profile after a change, at the next version. */
export function applyProfileChange(current: Profile, change: ProfileChange, now: string): Profile {
  const next: Profile = { ...current, ...change.set, updatedAt: now, version: current.version + 1 };
  for (const field of change.remove) delete next[field];
  return next;
}
