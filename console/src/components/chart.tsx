/**
 * A small SVG chart of figures over a run of labels (days): bars for one or more series side by side, or a line per
 * series. Dependency-free on purpose: the console's page budget (100 KB of compressed JS) leaves no room for a
 * charting library, and a report's daily figures need no more than axes, labels and a value on each mark.
 *
 * Accessible: the SVG is one `role="img"` with an `aria-label` summing it up (the page's table holds the figures
 * themselves); each bar or point carries a `<title>` with its label and value, which browsers show on hover.
 * Colours are presentation attributes (allowed by the console's `style-src 'self'`), overridable by the classes.
 */

/** One series of values, one per label. */
export interface ChartSeries {
  name: string;
  values: readonly number[];
}

/** What the chart draws. */
export interface ChartProps {
  /** The accessible name, also drawn as the chart's caption. */
  title: string;
  /** One label per value (for example `2026-12-01`); long runs show every n-th label on the axis. */
  labels: readonly string[];
  series: readonly ChartSeries[];
  /** `bar` (default) or `line`. */
  kind?: 'bar' | 'line';
  /** Formats a value for the axis and the titles (money from minor units, for example). */
  format?: (value: number) => string;
  /** Shortens a label for the x axis (the titles keep it whole). */
  shortLabel?: (label: string) => string;
  width?: number;
  height?: number;
}

const PALETTE = ['#2f6fdf', '#d9622b', '#2b9d6a', '#8a4fd1'];
const MARGIN = { top: 12, right: 12, bottom: 36, left: 72 };

/**
 * Round tick values covering `[min, max]`: steps of 1, 2 or 5 times a power of ten, about `count` of them.
 * @returns ascending ticks, the first at or below `min` and the last at or above `max`
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0];
  if (min === max) {
    if (min === 0) return [0, 1];
    [min, max] = min > 0 ? [0, min] : [min, 0];
  }
  const rough = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const first = Math.floor(min / step) * step;
  const last = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step / 2; i += 1) ticks.push(Math.round((first + i * step) * 1e6) / 1e6);
  return ticks;
}

/** A bar or line chart; see {@link ChartProps}. */
export function Chart({ title, labels, series, kind = 'bar', format = String, shortLabel = (l) => l, width = 720, height = 240 }: ChartProps) {
  const values = series.flatMap((s) => s.values);
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const low = ticks[0] ?? 0;
  const high = ticks[ticks.length - 1] ?? 1;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const y = (value: number) => MARGIN.top + plotHeight - ((value - low) / (high - low || 1)) * plotHeight;
  const slot = plotWidth / Math.max(1, labels.length);
  const x = (index: number) => MARGIN.left + slot * index + slot / 2;
  // About one axis label per 60 px, so a year of days stays legible.
  const every = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor(plotWidth / 60))));
  // Words a person would rather hear than the bars: the range of each series. (No "from"/"to": the label would then
  // match a page's "From" and "To" fields when tests look inputs up by label.)
  const summary = `${title}, ${labels.length} ${labels.length === 1 ? 'day' : 'days'}: ${series
    .map((s) => `${s.name} lowest ${format(s.values.length ? Math.min(...s.values) : 0)}, highest ${format(s.values.length ? Math.max(...s.values) : 0)}`)
    .join('; ')}`;

  return (
    <figure class="chart">
      <svg role="img" aria-label={summary} viewBox={`0 0 ${width} ${height}`} width="100%" preserveAspectRatio="xMidYMid meet">
        <g class="chart-grid" fill="none" stroke="#d7dbe0">
          {ticks.map((tick) => (
            <line key={tick} x1={MARGIN.left} x2={width - MARGIN.right} y1={y(tick)} y2={y(tick)} />
          ))}
        </g>
        <g class="chart-y-axis" font-size="11" fill="#4b5563" text-anchor="end">
          {ticks.map((tick) => (
            <text key={tick} x={MARGIN.left - 6} y={y(tick) + 4}>
              {format(tick)}
            </text>
          ))}
        </g>
        <g class="chart-x-axis" font-size="11" fill="#4b5563" text-anchor="middle">
          <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(0)} y2={y(0)} stroke="#4b5563" />
          {labels.map((label, index) =>
            index % every === 0 ? (
              <text key={label} x={x(index)} y={height - MARGIN.bottom + 16}>
                {shortLabel(label)}
              </text>
            ) : null,
          )}
        </g>
        {kind === 'bar' ? bars() : lines()}
      </svg>
      {series.length > 1 ? (
        <figcaption class="chart-legend">
          {series.map((s, index) => (
            <span key={s.name} class={`chart-key chart-series-${index}`}>
              <svg width="12" height="12" aria-hidden="true">
                <rect width="12" height="12" fill={PALETTE[index % PALETTE.length]} />
              </svg>{' '}
              {s.name}
            </span>
          ))}
        </figcaption>
      ) : null}
    </figure>
  );

  function bars() {
    const barWidth = Math.max(1, (slot * 0.8) / Math.max(1, series.length));
    return series.map((s, seriesIndex) => (
      <g key={s.name} class={`chart-series chart-series-${seriesIndex}`} fill={PALETTE[seriesIndex % PALETTE.length]}>
        {s.values.map((value, index) => {
          const left = x(index) - (barWidth * series.length) / 2 + barWidth * seriesIndex;
          const top = Math.min(y(value), y(0));
          return (
            <rect key={index} x={left} y={top} width={barWidth} height={Math.max(Math.abs(y(0) - y(value)), value === 0 ? 0 : 1)}>
              <title>{`${labels[index] ?? ''} ${s.name}: ${format(value)}`}</title>
            </rect>
          );
        })}
      </g>
    ));
  }

  function lines() {
    return series.map((s, seriesIndex) => {
      const colour = PALETTE[seriesIndex % PALETTE.length];
      const points = s.values.map((value, index) => `${x(index)},${y(value)}`).join(' ');
      return (
        <g key={s.name} class={`chart-series chart-series-${seriesIndex}`}>
          <polyline points={points} fill="none" stroke={colour} stroke-width="2" />
          {s.values.map((value, index) => (
            <circle key={index} cx={x(index)} cy={y(value)} r="3" fill={colour}>
              <title>{`${labels[index] ?? ''} ${s.name}: ${format(value)}`}</title>
            </circle>
          ))}
        </g>
      );
    });
  }
}
