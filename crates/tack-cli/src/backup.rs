//! `tackctl backup` and `tackctl restore`: the whole local store to one file and back.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use board_store::{restore_from, Existing, Store, StoreError, DB_FILE_NAME};

fn existing(force: bool) -> Existing {
    if force {
        Existing::Replace
    } else {
        Existing::Refuse
    }
}

/// Writes a consistent copy of the store in `data_dir` to `file`, even while the app writes.
pub(crate) fn backup(data_dir: &Path, file: &Path, force: bool) -> Result<()> {
    let store_path = data_dir.join(DB_FILE_NAME);
    if !store_path.exists() {
        bail!(
            "there is no Tack store to back up in {}",
            data_dir.display()
        );
    }
    let store = Store::open(&store_path)
        .with_context(|| format!("opening the store in {}", data_dir.display()))?;
    let report = match store.backup_to(file, existing(force)) {
        Ok(report) => report,
        Err(StoreError::WouldOverwrite { path })
            if path == store_path || same(&path, &store_path) =>
        {
            bail!(
                "{} is the store itself; back it up to another file",
                path.display()
            )
        }
        Err(StoreError::WouldOverwrite { path }) => {
            bail!(
                "{} already exists; pass --force to replace it",
                path.display()
            )
        }
        Err(err) => return Err(anyhow!(err).context(format!("backing up to {}", file.display()))),
    };
    println!(
        "backed up {} to {} ({})",
        boards(report.boards),
        report.path.display(),
        size(report.bytes)
    );
    Ok(())
}

/// Replaces the store in `data_dir` with the backup `file`, keeping the replaced store.
pub(crate) fn restore(data_dir: &Path, file: &Path, force: bool) -> Result<()> {
    let report = match restore_from(file, data_dir, existing(force)) {
        Ok(report) => report,
        Err(StoreError::WouldOverwrite { path }) if force => {
            bail!("{} is the store itself; nothing to restore", path.display())
        }
        Err(StoreError::WouldOverwrite { path }) => bail!(
            "{} already exists and restoring would replace its boards; pass --force to replace \
             it (it is kept as {DB_FILE_NAME}.before-restore-<time>)",
            path.display()
        ),
        Err(err) => return Err(anyhow!(err).context(format!("restoring {}", file.display()))),
    };
    let kept = report
        .previous
        .map(|previous| format!("; the previous store is kept as {}", previous.display()))
        .unwrap_or_default();
    println!(
        "restored {} ({}) from {} into {}{kept}",
        boards(report.boards),
        size(report.bytes),
        file.display(),
        report.path.display()
    );
    Ok(())
}

fn same(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

fn boards(count: u64) -> String {
    if count == 1 {
        "1 board".to_owned()
    } else {
        format!("{count} boards")
    }
}

/// `512 bytes`, `48.0 KiB`, `3.2 MiB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
