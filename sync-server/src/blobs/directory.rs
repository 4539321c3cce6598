//! Blobs as files under one directory (the embedded relay's default, beside its SQLite
//! file): `b-<board>/<sha256>`, each written to a temporary name, synced, renamed into place
//! and its directory synced, so a crash leaves either the whole file or none.

use std::ops::Range;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use futures_util::stream;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::{BlobError, BlobKey, BlobStore, ByteStream, COPY_BUFFER_BYTES};
use crate::storage::StorageFuture;

#[derive(Debug)]
pub struct DirectoryBlobs {
    root: PathBuf,
}

impl DirectoryBlobs {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn board_dir(&self, board: &str) -> PathBuf {
        // "b-" keeps every board id (`.`, `..` included) a plain name inside `root`.
        self.root.join(format!("b-{board}"))
    }

    fn path(&self, key: BlobKey<'_>) -> PathBuf {
        self.board_dir(key.board).join(key.sha256)
    }
}

async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    tokio::fs::File::open(dir).await?.sync_all().await
}

impl BlobStore for DirectoryBlobs {
    fn kind(&self) -> &'static str {
        "directory"
    }

    fn store<'a>(
        &'a self,
        key: BlobKey<'a>,
        _user: &'a str,
        staged: &'a Path,
        _size: u64,
    ) -> StorageFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let dir = self.board_dir(key.board);
            tokio::fs::create_dir_all(&dir).await?;
            let temporary = dir.join(format!(".{}.{}.tmp", key.sha256, uuid::Uuid::now_v7()));
            // The staged file may be on another file system: copy it (the kernel's copy, no
            // buffer of ours), sync, then rename into place.
            tokio::fs::copy(staged, &temporary).await?;
            let placed = async {
                tokio::fs::OpenOptions::new()
                    .write(true)
                    .open(&temporary)
                    .await?
                    .sync_all()
                    .await?;
                tokio::fs::rename(&temporary, self.path(key)).await?;
                sync_dir(&dir).await
            }
            .await;
            if placed.is_err() {
                let _ = tokio::fs::remove_file(&temporary).await;
            }
            Ok(placed?)
        })
    }

    fn read<'a>(
        &'a self,
        key: BlobKey<'a>,
        _user: &'a str,
        range: Range<u64>,
    ) -> StorageFuture<'a, Result<ByteStream, BlobError>> {
        Box::pin(async move {
            let mut file = match tokio::fs::File::open(self.path(key)).await {
                Ok(file) => file,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    return Err(BlobError::Missing)
                }
                Err(error) => return Err(error.into()),
            };
            file.seek(std::io::SeekFrom::Start(range.start)).await?;
            let left = range.end - range.start;
            let chunks = stream::try_unfold((file, left), |(mut file, left)| async move {
                if left == 0 {
                    return Ok(None);
                }
                let want = usize::try_from(left.min(COPY_BUFFER_BYTES as u64))
                    .unwrap_or(COPY_BUFFER_BYTES);
                let mut buffer = vec![0u8; want];
                let read = file.read(&mut buffer).await?;
                if read == 0 {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "blob file shorter than recorded",
                    ));
                }
                buffer.truncate(read);
                Ok(Some((Bytes::from(buffer), (file, left - read as u64))))
            });
            Ok(Box::pin(chunks) as ByteStream)
        })
    }

    fn remove<'a>(
        &'a self,
        key: BlobKey<'a>,
        _user: Option<&'a str>,
    ) -> StorageFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)).await {
                Ok(()) => Ok(()),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(error) => Err(error.into()),
            }
        })
    }

    fn remove_board<'a>(&'a self, board: &'a str) -> StorageFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            match tokio::fs::remove_dir_all(self.board_dir(board)).await {
                Ok(()) => sync_dir(&self.root).await.map_err(BlobError::from),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(error) => Err(error.into()),
            }
        })
    }
}
