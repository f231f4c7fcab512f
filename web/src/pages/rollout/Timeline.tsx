import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { useI18n, type I18n } from '../../i18n/i18n';
import { stepStateText, stepText } from './format';
import type { StepState, StepView } from './types';

const useStyles = makeStyles({
  figure: { margin: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  caption: { fontWeight: tokens.fontWeightSemibold },
  svg: { maxWidth: '100%', height: 'auto', display: 'block' },
  text: { fill: tokens.colorNeutralForeground1, fontSize: tokens.fontSizeBase200, fontFamily: tokens.fontFamilyBase },
  muted: { fill: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200, fontFamily: tokens.fontFamilyBase },
  grid: { stroke: tokens.colorNeutralStroke2, strokeWidth: '1px' },
  axis: { stroke: tokens.colorNeutralStroke1, strokeWidth: '1px' },
  // Each state has its fill and, to not rest on colour alone, its outline and the state written at the row's end.
  bar: { stroke: tokens.colorNeutralStrokeAccessible, strokeWidth: '1px' },
  done: { fill: tokens.colorPaletteGreenBackground3 },
  running: { fill: tokens.colorBrandBackground },
  waiting: { fill: tokens.colorPaletteMarigoldBackground3 },
  failed: { fill: tokens.colorPaletteRedBackground3 },
  skipped: { fill: tokens.colorNeutralBackground1, strokeDasharray: '4 3' },
  pending: { fill: tokens.colorNeutralBackground5 },
  // Texture on top of the fill: in high contrast every fill is the same colour, the stripes still tell states apart.
  stripe: { stroke: tokens.colorNeutralBackground1, strokeWidth: '2px' },
  empty: { margin: 0, color: tokens.colorNeutralForeground2 },
  legend: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalL, color: tokens.colorNeutralForeground2, fontSize: tokens.fontSizeBase200 },
  legendItem: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalXS },
  hidden: { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' },
});

const LABEL_W = 190;
const CHART_W = 400;
const STATE_W = 150;
const WIDTH = LABEL_W + CHART_W + STATE_W;
const ROW_H = 30;
const AXIS_H = 26;

/** How long something took, in the unit that reads best (minutes, hours, days). */
export function durationText(i18n: I18n, ms: number): string {
  const minutes = Math.max(0, ms) / 60_000;
  const unit = (value: number, u: 'minute' | 'hour' | 'day') => new Intl.NumberFormat(i18n.language, { style: 'unit', unit: u, unitDisplay: 'long', maximumFractionDigits: u === 'minute' ? 0 : 1 }).format(value);
  if (minutes < 90) return unit(Math.max(1, Math.round(minutes)), 'minute');
  if (minutes < 48 * 60) return unit(minutes / 60, 'hour');
  return unit(minutes / (24 * 60), 'day');
}

/** States drawn with a texture over their colour (stripes for failed, dashes for waiting). */
const TEXTURED = new Set<StepState>(['failed', 'waiting']);

function Patterns({ id }: { id: string }) {
  const s = useStyles();
  return (
    <defs>
      <pattern id={`${id}-failed`} width={6} height={6} patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <line x1={0} y1={0} x2={0} y2={6} className={s.stripe} />
      </pattern>
      <pattern id={`${id}-waiting`} width={8} height={8} patternUnits="userSpaceOnUse">
        <line x1={0} y1={4} x2={4} y2={4} className={s.stripe} />
      </pattern>
    </defs>
  );
}

const time = (iso: string | null) => (iso ? new Date(iso).getTime() : NaN);

/**
 * A run's steps on a time line: one horizontal bar per step from its start to its end (or now while
 * it goes on), drawn in SVG with the theme's tokens so it follows light, dark and high contrast. The
 * drawing is one image with a summary for assistive technology; the same facts are in a table
 * (visually hidden) that screen readers can browse.
 */
export function Timeline(props: { id: string; title: string; steps: StepView[]; now?: number }) {
  const s = useStyles();
  const i18n = useI18n();
  const { t } = i18n;
  const now = props.now ?? Date.now();
  const started = props.steps.filter((st) => Number.isFinite(time(st.startedAt)));
  const ends = started.map((st) => (Number.isFinite(time(st.endedAt)) ? time(st.endedAt) : now));
  const t0 = started.length ? Math.min(...started.map((st) => time(st.startedAt))) : now;
  const t1 = Math.max(t0 + 60_000, ...ends);
  const x = (ms: number) => LABEL_W + ((ms - t0) / (t1 - t0)) * CHART_W;
  const height = AXIS_H + props.steps.length * ROW_H + 4;
  const counts = new Map<StepState, number>();
  for (const st of props.steps) counts.set(st.state, (counts.get(st.state) ?? 0) + 1);
  const summary = started.length
    ? t('rolloutTimelineSummary', {
        name: props.title,
        from: i18n.dateTime(new Date(t0).toISOString()),
        to: i18n.dateTime(new Date(t1).toISOString()),
        states: i18n.list([...counts.entries()].map(([state, n]) => t('rolloutTimelineCount', { count: n, state: stepStateText(i18n, state).toLocaleLowerCase(i18n.language) }))),
      })
    : t('rolloutTimelineNothing', { name: props.title });
  const label = (text: string) => (text.length > 26 ? `${text.slice(0, 25)}…` : text);
  const ticks = [t0, t0 + (t1 - t0) / 2, t1];
  // Days for a long run; hours within one day; both when a short run crosses midnight.
  const sameDay = new Date(t0).toDateString() === new Date(t1).toDateString();
  // A run of a few minutes (a test, a small service) shows seconds, or its ticks would all read the same minute.
  const short = t1 - t0 < 10 * 60_000;
  const tickFormat: Intl.DateTimeFormatOptions =
    t1 - t0 > 36 * 3_600_000 ? { day: 'numeric', month: 'short' } : sameDay ? { hour: 'numeric', minute: '2-digit', ...(short ? { second: '2-digit' } : {}) } : { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' };
  const shown = (ms: number) => new Intl.DateTimeFormat(i18n.language, tickFormat).format(new Date(ms));

  // Begun but no step under way yet: said in words rather than an empty drawing.
  if (!started.length)
    return (
      <figure className={s.figure} id={props.id}>
        <figcaption className={s.caption}>{t('rolloutTimelineTitle', { name: props.title })}</figcaption>
        <p className={s.empty} id={`${props.id}-nothing`}>
          {summary}
        </p>
      </figure>
    );
  return (
    <figure className={s.figure} id={props.id}>
      <figcaption className={s.caption}>{t('rolloutTimelineTitle', { name: props.title })}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width={WIDTH} height={height} className={s.svg} role="img" aria-label={summary} preserveAspectRatio="xMinYMin meet">
        <Patterns id={props.id} />
        <g aria-hidden="true">
          {ticks.map((ms, n) => (
            <g key={n}>
              <line x1={x(ms)} x2={x(ms)} y1={AXIS_H - 6} y2={height} className={n === 0 ? s.axis : s.grid} />
              <text x={x(ms)} y={AXIS_H - 10} textAnchor={n === 0 ? 'start' : n === 2 ? 'end' : 'middle'} className={s.muted}>
                {started.length ? shown(ms) : ''}
              </text>
            </g>
          ))}
          {props.steps.map((st, i) => {
            const y = AXIS_H + i * ROW_H;
            const begin = time(st.startedAt);
            const end = Number.isFinite(time(st.endedAt)) ? time(st.endedAt) : now;
            const drawn = Number.isFinite(begin);
            return (
              <g key={st.step}>
                <text x={0} y={y + 19} className={s.text}>
                  {label(stepText(i18n, st.step))}
                </text>
                {drawn ? <rect x={x(begin)} y={y + 6} width={Math.max(4, x(end) - x(begin))} height={18} rx={3} className={mergeClasses(s.bar, s[st.state] ?? s.pending)} /> : null}
                {drawn && TEXTURED.has(st.state) ? <rect x={x(begin)} y={y + 6} width={Math.max(4, x(end) - x(begin))} height={18} rx={3} fill={`url(#${props.id}-${st.state})`} /> : null}
                <text x={LABEL_W + CHART_W + 10} y={y + 19} className={drawn ? s.text : s.muted}>
                  {stepStateText(i18n, st.state)}
                </text>
              </g>
            );
          })}
        </g>
      </svg>
      <ul className={s.legend} aria-hidden="true">
        {(['done', 'running', 'waiting', 'failed', 'skipped'] as const).map((state) => (
          <li key={state} className={s.legendItem}>
            <svg width={14} height={14} viewBox="0 0 14 14">
              <Patterns id={`${props.id}-legend-${state}`} />
              <rect x={1} y={1} width={12} height={12} rx={2} className={mergeClasses(s.bar, s[state])} />
              {TEXTURED.has(state) ? <rect x={1} y={1} width={12} height={12} rx={2} fill={`url(#${props.id}-legend-${state}-${state})`} /> : null}
            </svg>
            {stepStateText(i18n, state)}
          </li>
        ))}
      </ul>
      <table className={s.hidden} id={`${props.id}-table`}>
        <caption>{t('rolloutTimelineTitle', { name: props.title })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('rolloutColStep')}</th>
            <th scope="col">{t('rolloutColState')}</th>
            <th scope="col">{t('rolloutColStarted')}</th>
            <th scope="col">{t('rolloutColEnded')}</th>
            <th scope="col">{t('rolloutColDuration')}</th>
          </tr>
        </thead>
        <tbody>
          {props.steps.map((st) => {
            const begin = time(st.startedAt);
            const end = Number.isFinite(time(st.endedAt)) ? time(st.endedAt) : now;
            return (
              <tr key={st.step}>
                <th scope="row">{stepText(i18n, st.step)}</th>
                <td>{stepStateText(i18n, st.state)}</td>
                <td>{i18n.dateTime(st.startedAt)}</td>
                <td>{st.endedAt ? i18n.dateTime(st.endedAt) : st.startedAt ? t('rolloutOngoing') : t('dash')}</td>
                <td>{Number.isFinite(begin) ? durationText(i18n, end - begin) : t('dash')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </figure>
  );
}
