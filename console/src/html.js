import htm from 'htm';
import { h } from 'preact';

/** JSX-like templates without a compiler: htm tagged templates bound to Preact. */
export const html = htm.bind(h);
