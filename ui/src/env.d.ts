/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** "1" builds the in-memory backend in, to try a production bundle in a plain browser. */
  readonly VITE_FAKE_BACKEND?: string;
}
