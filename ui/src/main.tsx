import { render } from "solid-js/web";
import { App } from "./components/App";
import { QuickAddWindow } from "./components/QuickAdd";
import { connect } from "./ipc";
import { overflowScrolling, windowLabel } from "./ipc/tauri";
import "./styles.css";

// Styles that differ where WebKit scrolls overflow areas on the page's main thread.
document.documentElement.dataset.scrolling = overflowScrolling();

const root = document.getElementById("root");
if (root) {
  if (windowLabel() === "quick-add") {
    document.title = "Quick add — Tack";
    void connect().then(() => render(() => <QuickAddWindow />, root));
  } else {
    render(() => <App />, root);
  }
}
