//! The one list of IPC commands. `commands.rs` writes its `#[tauri::command]` functions inside
//! [`ipc_commands!`], which keeps them as written and derives from their real signatures the
//! invoke handler (`commands::handler`), the names (`commands::NAMES`, which `build.rs` turns
//! into the permission set the window's capability grants) and the TypeScript table and typed
//! wrappers (`commands::signatures`, written by `bindings.rs`). A renamed parameter or a changed
//! type changes the generated TypeScript, so the UI's `tsc` sees it.

use std::marker::PhantomData;

use tauri::{AppHandle, Runtime, State, Webview, Window};
use ts_rs::{Config, TS};

use crate::ipc::IpcError;

/// One command as the UI calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: &'static str,
    /// What the UI passes: each argument's camelCase name (Tauri's spelling of the Rust
    /// parameter) and TypeScript type, in the function's order. Injected parameters
    /// (`State`, `AppHandle`, …) are not here.
    pub args: Vec<(String, String)>,
    /// The TypeScript type it resolves to (it rejects with an `IpcError`).
    pub result: String,
}

/// Tauri's name for a parameter in the invoke payload: `board_id` is sent as `boardId`.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A type, as a value to call methods on: `(&Probe::<T>::NEW).ts_arg(cfg)` finds the impls
/// for `&Probe<…>` (what Tauri injects, a `Result`) before those for `Probe<T>` (any `TS`
/// type), as method resolution tries the receiver's own type before dereferencing it
/// (autoref specialisation, on the concrete types the macro gives it). A parameter that is
/// neither injected nor `TS` does not compile.
#[doc(hidden)]
pub struct Probe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    pub const NEW: Self = Probe(PhantomData);
}

impl<T: ?Sized> Clone for Probe<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Probe<T> {}

/// Parameters Tauri fills in itself: not part of the UI's arguments.
#[doc(hidden)]
pub trait Injected: Sized {
    fn ts_arg(self, _cfg: &Config) -> Option<String> {
        None
    }
}

impl<T: Send + Sync + 'static> Injected for &Probe<State<'_, T>> {}
impl<R: Runtime> Injected for &Probe<AppHandle<R>> {}
impl<R: Runtime> Injected for &Probe<Window<R>> {}
impl<R: Runtime> Injected for &Probe<Webview<R>> {}

/// Parameters the UI sends: their TypeScript type.
#[doc(hidden)]
pub trait FromUi {
    fn ts_arg(self, cfg: &Config) -> Option<String>;
}

impl<T: TS> FromUi for Probe<T> {
    fn ts_arg(self, cfg: &Config) -> Option<String> {
        Some(T::name(cfg))
    }
}

/// `Result<T, IpcError>`: the UI sees `T` (and a rejection).
#[doc(hidden)]
pub trait Fallible {
    fn ts_result(self, cfg: &Config) -> String;
}

impl<T: TS> Fallible for &Probe<Result<T, IpcError>> {
    fn ts_result(self, cfg: &Config) -> String {
        T::name(cfg)
    }
}

/// A plain return value.
#[doc(hidden)]
pub trait Infallible {
    fn ts_result(self, cfg: &Config) -> String;
}

impl<T: TS> Infallible for Probe<T> {
    fn ts_result(self, cfg: &Config) -> String {
        T::name(cfg)
    }
}

/// Wraps the command functions (each `fn` or `async fn`, with its attributes, typed
/// parameters and an explicit return type) and adds, beside them, `NAMES`, `handler()` and
/// `signatures(cfg)`.
macro_rules! ipc_commands {
    (@collect [$($done:tt)*]
        $(#[$meta:meta])*
        $vis:vis async fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $(#[$meta])*
        $vis async fn $name($($arg: $ty),*) -> $ret $body
        ipc_commands!(@collect [$($done)* ($name ($($arg: $ty),*) -> $ret)] $($rest)*);
    };
    (@collect [$($done:tt)*]
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) -> $ret $body
        ipc_commands!(@collect [$($done)* ($name ($($arg: $ty),*) -> $ret)] $($rest)*);
    };
    (@collect [$(($name:ident ($($arg:ident: $ty:ty),*) -> $ret:ty))*]) => {
        /// Every command's name, in the order written (checked against `build.rs`'s reading).
        #[cfg(test)]
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// The invoke handler of exactly these commands.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// Every command as the UI calls it, from the functions' signatures.
        pub fn signatures(cfg: &ts_rs::Config) -> Vec<$crate::command_list::Signature> {
            #[allow(unused_imports)]
            use $crate::command_list::{Fallible as _, FromUi as _, Infallible as _, Injected as _, Probe};
            vec![$({
                let args: Vec<(&str, Option<String>)> =
                    vec![$((stringify!($arg), (&Probe::<$ty>::NEW).ts_arg(cfg))),*];
                $crate::command_list::Signature {
                    name: stringify!($name),
                    args: args
                        .into_iter()
                        .filter_map(|(arg, ts)| Some(($crate::command_list::camel_case(arg), ts?)))
                        .collect(),
                    result: (&Probe::<$ret>::NEW).ts_result(cfg),
                }
            }),*]
        }
    };
    ($($commands:tt)*) => {
        ipc_commands!(@collect [] $($commands)*);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_sent_in_camel_case() {
        assert_eq!(camel_case("board_id"), "boardId");
        assert_eq!(camel_case("title"), "title");
        assert_eq!(camel_case("a_b_c"), "aBC");
    }

    /// The TypeScript comes from the real signatures: Tauri's injected parameters are left
    /// out, parameters are named as Tauri expects them, `Result<T, IpcError>` resolves to `T`.
    #[test]
    fn signatures_come_from_the_functions() {
        let cfg = Config::new();
        let all = crate::commands::signatures(&cfg);
        let find = |name: &str| {
            all.iter()
                .find(|s| s.name == name)
                .cloned()
                .unwrap_or_else(|| panic!("no {name}"))
        };
        let args = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
                .collect::<Vec<_>>()
        };
        let apply = find("apply");
        assert_eq!(
            apply.args,
            args(&[("boardId", "string"), ("op", "BoardOp")])
        );
        assert_eq!(apply.result, "OpResult");
        let select = find("set_selection");
        assert_eq!(
            select.args,
            args(&[("boardId", "string"), ("taskId", "string | null")])
        );
        assert_eq!(select.result, "null");
        let close = find("confirm_close");
        assert_eq!(close.args, args(&[]));
        assert_eq!(find("get_account").result, "AccountState");
        assert_eq!(find("list_boards").result, "Array<BoardSummary>");
        assert_eq!(all.len(), crate::commands::NAMES.len());
    }

    /// `build.rs` reads the names from the source (it cannot call the crate): the same list.
    #[test]
    fn build_script_reads_the_same_command_names() {
        let parsed = crate::command_names::parse(include_str!("commands.rs"));
        assert_eq!(parsed, crate::commands::NAMES);
    }
}
