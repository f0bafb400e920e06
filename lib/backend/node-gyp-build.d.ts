// node-gyp-build ships no typings: it loads the addon found under `dir`.
declare module 'node-gyp-build' {
  function load(dir: string): unknown;
  export = load;
}
