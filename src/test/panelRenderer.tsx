// The second fake of the frontend tests, beside transport.ts: Grafana's PanelRenderer, which only
// a running Grafana provides (@grafana/runtime's default renders a notice, and its setter is not
// public). This one draws what it is given as rows a test can read: the panel id, then one row
// per data frame row with the frame's fields, so a test checks the data Grafana's panel would
// draw, not a picture of it. A test file installs it with:
//   jest.mock('@grafana/runtime', () => ({
//     ...jest.requireActual('@grafana/runtime'),
//     PanelRenderer: jest.requireActual('../test/panelRenderer').PanelAsRows,
//   }));
import React from 'react';
import type { PanelRendererProps } from '@grafana/runtime';

/** Stands for Grafana's PanelRenderer in tests. */
export function PanelAsRows({ pluginId, data, title, width, height }: PanelRendererProps) {
  const frame = data?.series[0];
  const fields = frame?.fields ?? [];
  return (
    <table
      data-testid="panel-renderer"
      data-plugin-id={pluginId}
      data-width={width}
      data-height={height}
      aria-label={title}
    >
      <thead>
        <tr>
          {fields.map((f) => (
            <th key={f.name} data-unit={f.config.unit ?? ''}>
              {f.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {Array.from({ length: frame?.length ?? 0 }, (_, row) => (
          <tr key={row}>
            {fields.map((f) => (
              <td key={f.name}>{String(f.values[row])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The rows the fake drew for the panel in container, keyed by field name. */
export function panelRows(container: HTMLElement): Array<Record<string, string>> {
  const table = container.querySelector('[data-testid="panel-renderer"]');
  if (!table) {
    throw new Error('no panel was rendered');
  }
  const names = Array.from(table.querySelectorAll('thead th')).map((th) => th.textContent ?? '');
  return Array.from(table.querySelectorAll('tbody tr')).map((tr) => {
    const cells = Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '');
    return Object.fromEntries(names.map((n, i) => [n, cells[i]]));
  });
}
