//! WebKitGTK's feature switches, on the real library: WebKit's settings need GTK set up on a
//! display, on the process's main thread, so this test (a plain `main`, no harness) starts a
//! private Xvfb and runs itself again there as the child that checks.

use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(target_os = "linux")]
    {
        if std::env::var_os(linux::CHILD).is_some() {
            return linux::checks();
        }
        linux::run_checks_on_a_private_display()
    }
    #[cfg(not(target_os = "linux"))]
    {
        println!("webkit-features: no WebKitGTK here; nothing to check");
        ExitCode::SUCCESS
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::process::{Command, ExitCode, Stdio};
    use std::time::{Duration, Instant};

    use test_support::xvfb::Xvfb;
    use webkit_features::{feature_enabled, feature_identifiers, set_feature_enabled, NotSet};

    /// Set in the child's environment.
    pub const CHILD: &str = "WEBKIT_FEATURES_CHECKS";

    /// The feature the desktop app turns off where WebKit composites in software.
    const ASYNC_OVERFLOW_SCROLLING: &str = "AsyncOverflowScrolling";

    /// The parent: Xvfb, the child on it (at most 60 s), Xvfb gone.
    pub fn run_checks_on_a_private_display() -> ExitCode {
        match Xvfb::start("640x480x24") {
            Ok(xvfb) => run_child(xvfb.display()),
            Err(err) => {
                eprintln!("webkit-features: no Xvfb ({err}); scripts/setup.sh installs it");
                ExitCode::FAILURE
            }
        }
    }

    fn run_child(display: &str) -> ExitCode {
        let Ok(me) = std::env::current_exe() else {
            eprintln!("webkit-features: this test cannot find itself");
            return ExitCode::FAILURE;
        };
        let child = Command::new(me)
            .env(CHILD, "1")
            .env("DISPLAY", display)
            .env("NO_AT_BRIDGE", "1")
            .stdin(Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(err) => {
                eprintln!("webkit-features: the checks did not start: {err}");
                return ExitCode::FAILURE;
            }
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return ExitCode::SUCCESS,
                Ok(Some(status)) => {
                    eprintln!("webkit-features: the checks failed ({status})");
                    return ExitCode::FAILURE;
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(None) | Err(_) => {
                    let _ = child.kill();
                    eprintln!("webkit-features: the checks did not end within 60 s");
                    return ExitCode::FAILURE;
                }
            }
        }
    }

    /// One check: what went wrong, if anything.
    type Check = fn() -> Result<(), String>;

    /// The child: each check, named as it passes or fails.
    pub fn checks() -> ExitCode {
        if let Err(err) = gtk::init() {
            eprintln!("webkit-features: GTK did not start: {err}");
            return ExitCode::FAILURE;
        }
        let checks: [(&str, Check); 3] = [
            (
                "this WebKit has the feature the app turns off",
                this_webkit_has_the_feature_the_app_turns_off,
            ),
            (
                "a feature is turned off and on again in one view's settings",
                a_feature_is_turned_off_and_on_again_in_one_views_settings,
            ),
            (
                "a feature this WebKit does not have is named in the error",
                a_feature_this_webkit_does_not_have_is_named_in_the_error,
            ),
        ];
        let mut failed = 0;
        for (name, check) in checks {
            match check() {
                Ok(()) => println!("test {name} ... ok"),
                Err(why) => {
                    failed += 1;
                    println!("test {name} ... FAILED: {why}");
                }
            }
        }
        println!(
            "test result: {}. {} passed; {failed} failed",
            if failed == 0 { "ok" } else { "FAILED" },
            checks.len() - failed
        );
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    fn this_webkit_has_the_feature_the_app_turns_off() -> Result<(), String> {
        let all = feature_identifiers();
        if all.iter().any(|f| f == ASYNC_OVERFLOW_SCROLLING) {
            Ok(())
        } else {
            Err(format!(
                "{ASYNC_OVERFLOW_SCROLLING} is not among {} features",
                all.len()
            ))
        }
    }

    fn a_feature_is_turned_off_and_on_again_in_one_views_settings() -> Result<(), String> {
        let settings = webkit2gtk::Settings::new();
        let other = webkit2gtk::Settings::new();
        let on = |settings: &webkit2gtk::Settings| {
            feature_enabled(settings, ASYNC_OVERFLOW_SCROLLING).map_err(|e| e.to_string())
        };
        let set = |settings: &webkit2gtk::Settings, enabled: bool| {
            set_feature_enabled(settings, ASYNC_OVERFLOW_SCROLLING, enabled)
                .map_err(|e| e.to_string())
        };
        if !on(&settings)? {
            return Err("off before it was turned off".into());
        }
        set(&settings, false)?;
        if on(&settings)? {
            return Err("still on after it was turned off".into());
        }
        if !on(&other)? {
            return Err("another view's settings lost it too".into());
        }
        set(&settings, true)?;
        if !on(&settings)? {
            return Err("still off after it was turned on again".into());
        }
        Ok(())
    }

    fn a_feature_this_webkit_does_not_have_is_named_in_the_error() -> Result<(), String> {
        let settings = webkit2gtk::Settings::new();
        let missing = set_feature_enabled(&settings, "NoSuchFeatureInAnyWebKit", false);
        let expected = NotSet::NoSuchFeature("NoSuchFeatureInAnyWebKit".to_owned());
        match missing {
            Err(err) if err == expected => {
                let shown = err.to_string();
                if shown == "this WebKit has no feature \"NoSuchFeatureInAnyWebKit\"" {
                    Ok(())
                } else {
                    Err(format!("shown as {shown:?}"))
                }
            }
            other => Err(format!("{other:?}, not {expected:?}")),
        }
    }
}
