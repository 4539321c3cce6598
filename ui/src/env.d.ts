/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** "1" builds the recorded-session replay in, to look at a production bundle in a browser. */
  readonly VITE_REPLAY_BACKEND?: string;
}
