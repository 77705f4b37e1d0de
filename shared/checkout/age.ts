/** The age at which age-restricted goods (alcohol, tobacco) may be sold. */
export const LEGAL_AGE_YEARS = 18;

/**
 * Whether someone born on `dateOfBirth` (`yyyy-mm-dd`) is of legal age on the UTC day of `on`; a birthday on 29 February
 * comes of age on 1 March in years without one. Pure.
 */
export function isAdultOn(dateOfBirth: string, on: Date): boolean {
  const [year, month, day] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const comesOfAge = Date.UTC(year + LEGAL_AGE_YEARS, month - 1, day);
  const today = Date.UTC(on.getUTCFullYear(), on.getUTCMonth(), on.getUTCDate());
  return today >= comesOfAge;
}
