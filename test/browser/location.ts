/**
 * The view and theme the page's hash asks for: #<view>/<light|dark>[/<anything>]; dark unless
 * light is asked. The driver appends a counter so showing the same view again is a new mount.
 */
export function harnessLocation(): { view: string; theme: 'light' | 'dark'; key: string } {
  const key = window.location.hash.replace(/^#/, '');
  const [view = '', theme = ''] = key.split('/');
  return { view, theme: theme === 'light' ? 'light' : 'dark', key };
}
