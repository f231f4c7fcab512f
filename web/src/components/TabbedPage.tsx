import { Tab, TabList } from '@fluentui/react-components';
import { useState, type ReactNode } from 'react';

export interface PageTab {
  id: string;
  label: string;
  /** Built when the tab is first visited, then kept mounted: a form being filled, filters or a run being followed survive a switch. */
  content: ReactNode;
}

/**
 * A page of the tab with its sections as tabs (the pages decide which tabs a role sees; the API
 * checks again). With one tab only, no tab list is shown and the content is the page.
 */
export function TabbedPage(props: { titleId: string; title: string; sectionsLabel: string; tabs: PageTab[] }) {
  const first = props.tabs[0]?.id ?? '';
  const [tab, setTab] = useState(first);
  const [visited, setVisited] = useState<Set<string>>(() => new Set([first]));
  const several = props.tabs.length > 1;
  return (
    <section aria-labelledby={props.titleId}>
      <h2 id={props.titleId}>{props.title}</h2>
      {several ? (
        <TabList
          selectedValue={tab}
          aria-label={props.sectionsLabel}
          onTabSelect={(_, d) => {
            const next = String(d.value);
            setTab(next);
            setVisited((v) => new Set(v).add(next));
          }}
        >
          {props.tabs.map((t) => (
            <Tab key={t.id} value={t.id} id={`tab-${t.id}`} aria-controls={`panel-${t.id}`}>
              {t.label}
            </Tab>
          ))}
        </TabList>
      ) : null}
      {props.tabs.map((t) => (
        <div key={t.id} role={several ? 'tabpanel' : undefined} id={`panel-${t.id}`} aria-labelledby={several ? `tab-${t.id}` : undefined} hidden={tab !== t.id}>
          {visited.has(t.id) ? t.content : null}
        </div>
      ))}
    </section>
  );
}
