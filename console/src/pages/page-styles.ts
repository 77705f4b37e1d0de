/**
 * Style objects for the catalog and money pages, for what the shared stylesheet (styles.css) has no class for yet.
 * Preact sets them through the DOM (CSSOM), which the console's `style-src 'self'` allows, unlike a `style` attribute
 * written in HTML.
 */

/** Out of sight but still read out and still a label: the per-cell labels of editable tables. */
export const visuallyHidden = {
  position: 'absolute',
  width: '1px',
  height: '1px',
  padding: '0',
  margin: '-1px',
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: '0',
} as const;

/** Secondary text (who, when, hints in tables). */
export const muted = { color: 'var(--muted)' } as const;

/** A form of stacked fields at a readable width rather than the page's. */
export const narrow = { maxWidth: '40rem' } as const;
