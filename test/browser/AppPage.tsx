import React from 'react';

/** Grafana's page padding around an app page's content: the viewport is the room beside the menu. */
export function AppPage({ children }: { children: React.ReactNode }) {
  return <div style={{ padding: 16 }}>{children}</div>;
}
