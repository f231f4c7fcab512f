import { makeStyles, tokens } from '@fluentui/react-components';
import { useI18n } from '../i18n/i18n';

export interface Bar {
  key: string;
  label: string;
  value: number;
  max: number;
  /** Read by screen readers instead of the drawing. */
  summary: string;
  warn?: boolean;
}

const useStyles = makeStyles({
  figure: { margin: 0 },
  // Drawn at its own size (text at the page's size), narrower on small screens.
  svg: { maxWidth: '100%', height: 'auto', display: 'block' },
  caption: { fontWeight: tokens.fontWeightSemibold, marginBottom: tokens.spacingVerticalS },
  track: { fill: tokens.colorNeutralBackground5, stroke: tokens.colorNeutralStroke1, strokeWidth: '1px' },
  bar: { fill: tokens.colorBrandBackground },
  warn: { fill: tokens.colorPaletteDarkOrangeBorder2 },
  hidden: { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' },
  text: { fill: tokens.colorNeutralForeground1, fontSize: tokens.fontSizeBase200, fontFamily: tokens.fontFamilyBase },
});

/**
 * Horizontal bars drawn in SVG with the theme's tokens (so they follow light, dark and high
 * contrast), each with its value written out; the figure's list is what assistive technology reads.
 */
export function BarChart({ title, bars }: { title: string; bars: Bar[] }) {
  const s = useStyles();
  const { number } = useI18n();
  const rowHeight = 28;
  const labelWidth = 180;
  const width = 640;
  const barWidth = width - labelWidth - 110;
  const height = bars.length * rowHeight + 4;
  return (
    <figure className={s.figure}>
      <figcaption className={s.caption}>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} className={s.svg} role="img" aria-label={title} preserveAspectRatio="xMinYMin meet">
        {bars.map((b, i) => {
          const y = i * rowHeight + 2;
          const ratio = b.max > 0 ? Math.min(1, b.value / b.max) : 0;
          return (
            <g key={b.key} aria-hidden="true">
              <text x={0} y={y + 17} className={s.text}>
                {b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label}
              </text>
              <rect x={labelWidth} y={y + 4} width={barWidth} height={18} rx={3} className={s.track} />
              <rect x={labelWidth} y={y + 4} width={Math.max(ratio * barWidth, b.value > 0 ? 2 : 0)} height={18} rx={3} className={b.warn ? s.warn : s.bar} />
              <text x={labelWidth + barWidth + 8} y={y + 17} className={s.text}>
                {`${number(b.value)} / ${number(b.max)}`}
              </text>
            </g>
          );
        })}
      </svg>
      <ul className={s.hidden}>
        {bars.map((b) => (
          <li key={b.key}>{b.summary}</li>
        ))}
      </ul>
    </figure>
  );
}
