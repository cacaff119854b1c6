import React from 'react';

/** A view that throws while rendering: the tier must say so at once, not wait for its timeout. */
export function ThrowingProbe(): React.ReactElement {
  throw new Error('probe: a view that throws');
}
