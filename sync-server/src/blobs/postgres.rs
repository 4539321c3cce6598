//! Blobs in PostgreSQL (`--blob-store postgres`: several relays on one database, modest
//! sizes): `blob_chunks` rows of [`CHUNK_BYTES`] each, written and read as the member the
//! request acts for, so row-level security admits them as it admits the board's other rows.

use std::ops::Range;
use std::path::Path;

use axum::body::Bytes;
use futures_util::stream;
use sqlx::postgres::PgPool;
use tokio::io::AsyncReadExt;

use super::{BlobError, BlobKey, BlobStore, ByteStream};
use crate::storage::{ActAs, StorageFuture};

/// Bytes per `blob_chunks` row (also the most one read or write holds).
pub const CHUNK_BYTES: u64 = 1 << 20;

#[derive(Debug)]
pub struct PostgresBlobs {
    pool: PgPool,
}

impl PostgresBlobs {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl BlobStore for PostgresBlobs {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn store<'a>(
        &'a self,
        key: BlobKey<'a>,
        user: &'a str,
        staged: &'a Path,
        _size: u64,
    ) -> StorageFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let mut file = tokio::fs::File::open(staged).await?;
            let mut tx = self.pool.begin().await?;
            tx.act_as(Some(user)).await?;
            sqlx::query("DELETE FROM blob_chunks WHERE board_id = $1 AND sha256 = $2")
                .bind(key.board)
                .bind(key.sha256)
                .execute(&mut *tx)
                .await?;
            let mut buffer = Vec::with_capacity(CHUNK_BYTES as usize);
            let mut n: i32 = 0;
            loop {
                buffer.clear();
                (&mut file)
                    .take(CHUNK_BYTES)
                    .read_to_end(&mut buffer)
                    .await?;
                if buffer.is_empty() && n > 0 {
                    break;
                }
                sqlx::query(
                    "INSERT INTO blob_chunks (board_id, sha256, n, bytes) VALUES ($1, $2, $3, $4)",
                )
                .bind(key.board)
                .bind(key.sha256)
                .bind(n)
                .bind(&buffer)
                .execute(&mut *tx)
                .await?;
                n += 1;
                if (buffer.len() as u64) < CHUNK_BYTES {
                    break;
                }
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn read<'a>(
        &'a self,
        key: BlobKey<'a>,
        user: &'a str,
        range: Range<u64>,
    ) -> StorageFuture<'a, Result<ByteStream, BlobError>> {
        let pool = self.pool.clone();
        let board = key.board.to_owned();
        let sha256 = key.sha256.to_owned();
        let user = user.to_owned();
        Box::pin(async move {
            let chunks = stream::try_unfold(range.start, move |at| {
                let (pool, board, sha256, user) =
                    (pool.clone(), board.clone(), sha256.clone(), user.clone());
                let end = range.end;
                async move {
                    if at >= end {
                        return Ok(None);
                    }
                    let n = i32::try_from(at / CHUNK_BYTES).map_err(std::io::Error::other)?;
                    let read = async {
                        let mut tx = pool.begin().await?;
                        tx.act_as(Some(&user)).await?;
                        let bytes: Option<Vec<u8>> = sqlx::query_scalar(
                            "SELECT bytes FROM blob_chunks \
                             WHERE board_id = $1 AND sha256 = $2 AND n = $3",
                        )
                        .bind(&board)
                        .bind(&sha256)
                        .bind(n)
                        .fetch_optional(&mut *tx)
                        .await?;
                        tx.commit().await?;
                        Ok::<_, sqlx::Error>(bytes)
                    };
                    let bytes = read
                        .await
                        .map_err(std::io::Error::other)?
                        .ok_or_else(|| std::io::Error::other("blob chunk missing"))?;
                    let chunk_start = u64::try_from(n).unwrap_or(0) * CHUNK_BYTES;
                    let from = usize::try_from(at - chunk_start).unwrap_or(usize::MAX);
                    let to = usize::try_from((end - chunk_start).min(bytes.len() as u64))
                        .unwrap_or(usize::MAX);
                    if from >= to {
                        return Err(std::io::Error::other("blob chunk shorter than recorded"));
                    }
                    let piece = Bytes::from(bytes).slice(from..to);
                    let next = at + piece.len() as u64;
                    Ok(Some((piece, next)))
                }
            });
            Ok(Box::pin(chunks) as ByteStream)
        })
    }

    fn remove<'a>(
        &'a self,
        key: BlobKey<'a>,
        user: Option<&'a str>,
    ) -> StorageFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            // The collector (`user` None) has already deleted the chunks with the record
            // (`tack_collect_blob`); a writer removes them under row-level security.
            let Some(user) = user else {
                return Ok(());
            };
            let mut tx = self.pool.begin().await?;
            tx.act_as(Some(user)).await?;
            sqlx::query("DELETE FROM blob_chunks WHERE board_id = $1 AND sha256 = $2")
                .bind(key.board)
                .bind(key.sha256)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn remove_board<'a>(&'a self, _board: &'a str) -> StorageFuture<'a, Result<(), BlobError>> {
        // `blob_chunks` rows went with the board's row (foreign key, same transaction).
        Box::pin(async move { Ok(()) })
    }
}
