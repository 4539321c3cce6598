//! One app per data directory on Linux: the first launch listens on `instance.sock` in the data
//! directory; a later launch (a person, or the OS opening a `tack://` link) hands its arguments
//! to it and exits. Windows and macOS use tauri-plugin-single-instance instead.
//!
//! Why not the plugin here: on Linux it hands over through D-Bus, and a launch right after a
//! quit can meet the old instance still owning its bus name but no longer answering
//! (`NoReply`); the plugin then fails the new launch. Here a launch whose handover is not
//! answered within [`ANSWER_WITHIN`] starts as the instance itself: a running app is never
//! doubled while it answers, and a quitting or crashed one never keeps the app from starting.
//!
//! The socket is the user's own (in their data directory); what comes through it is still
//! bounded and checked: at most [`MAX_MESSAGE`] bytes, a JSON array of at most [`MAX_ARGS`]
//! strings, and the app reads only `tack://` links from them (`deep_link`).

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a launch waits for the running instance to take its arguments.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(3);
/// The largest handover accepted, in bytes.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// The most arguments a handover may carry.
pub const MAX_ARGS: usize = 64;
const TAKEN: &[u8] = b"taken\n";

/// The socket's name in the data directory.
pub const SOCKET_NAME: &str = "instance.sock";

/// What a launch is.
#[derive(Debug)]
pub enum Claim {
    /// The instance: serve the listener ([`Instance::serve`]).
    First(Instance),
    /// The running instance took the arguments: this launch exits.
    HandedOver,
}

/// The running instance's end of the socket.
#[derive(Debug)]
pub struct Instance {
    listener: UnixListener,
    path: PathBuf,
    closing: Arc<AtomicBool>,
}

/// Claims the data directory's instance for this launch, or hands `args` to the running one.
/// An error (say, a path too long for a socket) means no single instance: start anyway.
pub fn claim(dir: &Path, args: &[String]) -> std::io::Result<Claim> {
    let path = dir.join(SOCKET_NAME);
    match UnixListener::bind(&path) {
        Ok(listener) => return Ok(Claim::First(Instance::new(listener, path))),
        Err(err) if err.kind() == ErrorKind::AddrInUse => {}
        Err(err) => return Err(err),
    }
    match hand_over(&path, args) {
        Ok(()) => Ok(Claim::HandedOver),
        Err(err) => {
            // Nobody answers: a crash left the socket, or the instance is on its way out.
            tracing::info!(%err, "no running instance took over; this launch is the instance");
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
            let listener = UnixListener::bind(&path)?;
            Ok(Claim::First(Instance::new(listener, path)))
        }
    }
}

fn hand_over(path: &Path, args: &[String]) -> std::io::Result<()> {
    let mut stream = UnixStream::connect(path)?;
    stream.set_read_timeout(Some(ANSWER_WITHIN))?;
    stream.set_write_timeout(Some(ANSWER_WITHIN))?;
    let message = serde_json::to_vec(args).map_err(std::io::Error::other)?;
    stream.write_all(&message)?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut answer = Vec::new();
    stream.take(TAKEN.len() as u64).read_to_end(&mut answer)?;
    if answer == TAKEN {
        Ok(())
    } else {
        Err(std::io::Error::new(
            ErrorKind::UnexpectedEof,
            "the running instance closed without taking the arguments",
        ))
    }
}

/// Reads one handover: a bounded JSON array of strings.
fn read_handover(stream: &mut UnixStream) -> std::io::Result<Vec<String>> {
    stream.set_read_timeout(Some(ANSWER_WITHIN))?;
    stream.set_write_timeout(Some(ANSWER_WITHIN))?;
    let mut bytes = Vec::new();
    (&mut *stream)
        .take(MAX_MESSAGE as u64 + 1)
        .read_to_end(&mut bytes)?;
    let invalid = |why: String| std::io::Error::new(ErrorKind::InvalidData, why);
    if bytes.len() > MAX_MESSAGE {
        return Err(invalid(format!("a handover over {MAX_MESSAGE} bytes")));
    }
    let args: Vec<String> =
        serde_json::from_slice(&bytes).map_err(|err| invalid(format!("a handover: {err}")))?;
    if args.len() > MAX_ARGS {
        return Err(invalid(format!("a handover of over {MAX_ARGS} arguments")));
    }
    Ok(args)
}

impl Instance {
    fn new(listener: UnixListener, path: PathBuf) -> Self {
        Self {
            listener,
            path,
            closing: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Answers later launches on a thread of its own: each one's arguments go to `on_args`
    /// (after the launch is told they were taken). Returns what ends it at exit.
    pub fn serve(self, on_args: impl Fn(Vec<String>) + Send + 'static) -> Closing {
        let closing = Closing {
            path: self.path.clone(),
            closing: self.closing.clone(),
        };
        let Instance {
            listener,
            closing: flag,
            ..
        } = self;
        let spawned = std::thread::Builder::new()
            .name("tack-instance".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let mut stream = match stream {
                        Ok(stream) => stream,
                        Err(err) => {
                            tracing::warn!(%err, "a launch could not connect");
                            continue;
                        }
                    };
                    let args = match read_handover(&mut stream) {
                        Ok(args) => args,
                        Err(err) => {
                            tracing::warn!(%err, "a launch's handover was refused");
                            continue;
                        }
                    };
                    // On the way out: leave it unanswered, so the launch starts on its own.
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Err(err) = stream.write_all(TAKEN) {
                        tracing::warn!(%err, "a launch went before its handover was taken");
                        continue;
                    }
                    on_args(args);
                }
            });
        if let Err(err) = spawned {
            tracing::warn!(%err, "no thread to answer later launches");
        }
        closing
    }
}

/// Ends the instance: later launches are no longer answered and the socket is removed.
#[derive(Debug, Clone)]
pub struct Closing {
    path: PathBuf,
    closing: Arc<AtomicBool>,
}

impl Closing {
    pub fn close(&self) {
        if !self.closing.swap(true, Ordering::SeqCst) {
            if let Err(err) = std::fs::remove_file(&self.path) {
                if err.kind() != ErrorKind::NotFound {
                    tracing::warn!(%err, "could not remove the instance socket");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn a_second_launch_hands_its_arguments_to_the_first_and_is_told() {
        let dir = tempfile::tempdir().expect("dir");
        let Claim::First(first) = claim(dir.path(), &[]).expect("claim") else {
            panic!("the first launch is the instance");
        };
        let (sent, received) = mpsc::channel();
        let closing = first.serve(move |args| {
            let _ = sent.send(args);
        });
        let link = args(&["tack://join/abc"]);
        assert!(matches!(
            claim(dir.path(), &link).expect("claim"),
            Claim::HandedOver
        ));
        assert_eq!(
            received.recv_timeout(Duration::from_secs(5)).expect("args"),
            link
        );
        // A third launch too.
        assert!(matches!(
            claim(dir.path(), &[]).expect("claim"),
            Claim::HandedOver
        ));
        closing.close();
        assert!(!dir.path().join(SOCKET_NAME).exists(), "removed at exit");
    }

    #[test]
    fn a_socket_left_by_a_crash_does_not_keep_the_app_from_starting() {
        let dir = tempfile::tempdir().expect("dir");
        // Bound, then dropped without removing the file: what a killed instance leaves.
        drop(UnixListener::bind(dir.path().join(SOCKET_NAME)).expect("bind"));
        assert!(dir.path().join(SOCKET_NAME).exists());
        assert!(matches!(
            claim(dir.path(), &args(&["tack://join/x"])).expect("claim"),
            Claim::First(_)
        ));
    }

    #[test]
    fn an_instance_on_its_way_out_lets_the_launch_start_on_its_own() {
        let dir = tempfile::tempdir().expect("dir");
        // Listening but never answering (its process is quitting): after ANSWER_WITHIN the
        // launch becomes the instance.
        let Claim::First(quitting) = claim(dir.path(), &[]).expect("claim") else {
            panic!("first");
        };
        assert!(matches!(
            claim(dir.path(), &[]).expect("claim"),
            Claim::First(_)
        ));
        drop(quitting);

        // Closing: it still accepts, reads, and leaves the launch unanswered.
        let dir = tempfile::tempdir().expect("dir");
        let Claim::First(first) = claim(dir.path(), &[]).expect("claim") else {
            panic!("first");
        };
        let (sent, received) = mpsc::channel();
        let closing = first.serve(move |args| {
            let _ = sent.send(args);
        });
        closing.closing.store(true, Ordering::SeqCst);
        assert!(matches!(
            claim(dir.path(), &args(&["late"])).expect("claim"),
            Claim::First(_)
        ));
        assert!(
            received.try_recv().is_err(),
            "the quitting instance took nothing"
        );
    }

    #[test]
    fn a_handover_is_bounded_and_checked() {
        let dir = tempfile::tempdir().expect("dir");
        let Claim::First(first) = claim(dir.path(), &[]).expect("claim") else {
            panic!("first");
        };
        let (sent, received) = mpsc::channel();
        let _closing = first.serve(move |args| {
            let _ = sent.send(args);
        });
        let path = dir.path().join(SOCKET_NAME);
        for junk in [
            b"not json".to_vec(),
            b"{\"a\":1}".to_vec(),
            vec![b' '; MAX_MESSAGE + 10],
            serde_json::to_vec(&vec!["x"; MAX_ARGS + 1]).expect("json"),
        ] {
            let mut stream = UnixStream::connect(&path).expect("connect");
            stream
                .set_read_timeout(Some(ANSWER_WITHIN))
                .expect("timeout");
            // A long message may be cut off by the instance: that is a refusal too.
            let _ = stream.write_all(&junk);
            let _ = stream.shutdown(std::net::Shutdown::Write);
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
            assert!(answer.is_empty(), "refused without an answer");
        }
        // Still serving after the junk.
        assert!(matches!(
            claim(dir.path(), &args(&["ok"])).expect("claim"),
            Claim::HandedOver
        ));
        assert_eq!(
            received.recv_timeout(Duration::from_secs(5)).expect("args"),
            args(&["ok"])
        );
    }
}
