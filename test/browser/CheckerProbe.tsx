import React, { useEffect } from 'react';

const box: React.CSSProperties = { width: 120, whiteSpace: 'nowrap', border: '1px solid gray', margin: 4 };
const LONG = 'a-thread-name-far-too-long-for-its-box';

/**
 * Every defect the browser tier must catch, once each, beside a cut done right (ellipsis with the
 * full value on hover) that it must not flag: check.ts fails when the checks miss one, so a
 * check that quietly stopped working cannot pass the views.
 */
export function CheckerProbe() {
  useEffect(() => {
    console.error('probe: an error logged to the console');
  }, []);
  return (
    <div data-testid="probe">
      <div style={box} data-testid="probe-spills">
        spills {LONG}
      </div>
      <div style={{ ...box, overflow: 'hidden' }} data-testid="probe-clipped">
        clipped {LONG}
      </div>
      <div style={{ ...box, overflow: 'hidden', textOverflow: 'ellipsis' }} data-testid="probe-no-title">
        no-title {LONG}
      </div>
      <div style={{ ...box, overflow: 'hidden', textOverflow: 'ellipsis' }} title={`fine ${LONG}`}>
        fine {LONG}
      </div>
      <table style={{ width: 200, tableLayout: 'fixed' }}>
        <tbody>
          <tr>
            <td style={{ whiteSpace: 'nowrap', overflow: 'hidden' }}>in-cell {LONG}</td>
          </tr>
        </tbody>
      </table>
      <div style={{ width: 3000 }}>wider than any viewport</div>
      <div style={{ marginTop: 2000 }} data-testid="probe-below">
        below the fold
      </div>
    </div>
  );
}
