import { render } from "solid-js/web";
import { App } from "./components/App";
import { QuickAddWindow } from "./components/QuickAdd";
import { connect } from "./ipc";
import { windowLabel } from "./ipc/tauri";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  if (windowLabel() === "quick-add") {
    document.title = "Quick add — Tack";
    void connect().then(() => render(() => <QuickAddWindow />, root));
  } else {
    render(() => <App />, root);
  }
}
