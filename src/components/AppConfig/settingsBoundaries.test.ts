import type { AppSettings } from '../../api/types';
import boundaries from '../../../contract/settings-boundaries.json';
import { formFromSettings, SCALARS } from './settingsSpec';
import { settingsFromForm, validateSettings } from './settingsValidation';

// contract/settings-boundaries.json is written by the backend's test
// (pkg/plugin/settingsboundary_test.go): jsonData at every bounded setting's min−1, min, max
// and max+1, taken from pkg/settingspec/settings.json, with ParseSettings' verdict. The form
// must reach the same verdict, so it never saves what the backend would refuse.

interface BoundaryCase {
  name: string;
  edge?: string;
  jsonData: AppSettings;
  accepted: boolean;
  error?: string;
}

const CASES = boundaries as BoundaryCase[];

describe('the config page agrees with the backend on every boundary', () => {
  it('covers min-1, min, max and max+1 of every bounded setting', () => {
    for (const key of Object.keys(SCALARS)) {
      const edges = CASES.filter((c) => c.name.startsWith(`${key} `)).map((c) => c.edge);
      expect({ key, edges }).toEqual({ key, edges: ['min-1', 'min', 'max', 'max+1'] });
    }
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const form = formFromSettings(c.jsonData);
    const errors = validateSettings(form);
    expect({ accepted: Object.keys(errors).length === 0, errors }).toEqual({
      accepted: c.accepted,
      errors: c.accepted ? {} : expect.any(Object),
    });
    if (c.accepted) {
      // What the form saves is what it loaded: sizes shown in units go back as the same bytes.
      const saved = settingsFromForm(form) as Record<string, unknown>;
      for (const [key, value] of Object.entries(c.jsonData)) {
        if (key in SCALARS && saved[key] !== undefined) {
          expect({ key, value: saved[key] }).toEqual({ key, value });
        }
      }
    }
  });
});
