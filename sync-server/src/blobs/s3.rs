//! Blobs in an S3-compatible object store (`--blob-store s3`, production): object
//! `<prefix>boards/<board>/<sha256>`, written by a multipart upload streamed from the staged
//! file ([`PART_BYTES`] a part, one part in flight), read with ranged GETs. Credentials and
//! the region come from the usual `AWS_*` variables (`AmazonS3Builder::from_env`).

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::AsyncReadExt;

use super::{BlobError, BlobKey, BlobStore, ByteStream};
use crate::storage::StorageFuture;

/// Bytes per part of a multipart upload (S3's smallest part but the last is 5 MiB); also the
/// most one upload holds in memory.
pub const PART_BYTES: usize = 5 * 1024 * 1024;

/// Where the objects go.
#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    /// e.g. `http://127.0.0.1:9000` for a local S3-compatible server (`None`: AWS).
    pub endpoint: Option<String>,
    /// Prepended to every object's name (e.g. `tack/`).
    pub prefix: String,
    /// Credentials (`None`: from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` and the rest of
    /// the environment).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

#[derive(Debug)]
pub struct S3Blobs {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

impl S3Blobs {
    pub fn new(config: &S3Config) -> Result<Self, BlobError> {
        // reqwest's rustls takes the process's provider: ring, as everywhere in Tack.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&config.bucket);
        if let (Some(key), Some(secret)) = (&config.access_key_id, &config.secret_access_key) {
            builder = builder
                .with_access_key_id(key)
                .with_secret_access_key(secret);
        }
        if std::env::var_os("AWS_REGION").is_none()
            && std::env::var_os("AWS_DEFAULT_REGION").is_none()
        {
            builder = builder.with_region("us-east-1");
        }
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder
            .build()
            .map_err(|error| BlobError::Setup(format!("S3 store: {error}")))?;
        Ok(Self {
            store: Arc::new(store),
            prefix: config.prefix.clone(),
        })
    }

    fn path(&self, key: BlobKey<'_>) -> ObjectPath {
        ObjectPath::from(format!(
            "{}boards/{}/{}",
            self.prefix, key.board, key.sha256
        ))
    }
}

impl BlobStore for S3Blobs {
    fn kind(&self) -> &'static str {
        "s3"
    }

    fn store<'a>(
        &'a self,
        key: BlobKey<'a>,
        _user: &'a str,
        staged: &'a Path,
        size: u64,
    ) -> StorageFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            let path = self.path(key);
            let mut file = tokio::fs::File::open(staged).await?;
            if size <= PART_BYTES as u64 {
                let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                file.read_to_end(&mut bytes).await?;
                self.store.put(&path, PutPayload::from(bytes)).await?;
                return Ok(());
            }
            let upload = self.store.put_multipart(&path).await?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
            let mut buffer = vec![0u8; super::COPY_BUFFER_BYTES];
            let written = async {
                loop {
                    let read = file.read(&mut buffer).await?;
                    if read == 0 {
                        return Ok::<_, BlobError>(());
                    }
                    // One part in flight at most: memory stays one part and one buffer.
                    writer.wait_for_capacity(0).await?;
                    writer.write(&buffer[..read]);
                }
            }
            .await;
            match written {
                Ok(()) => {
                    writer.finish().await?;
                    Ok(())
                }
                Err(error) => {
                    let _ = writer.abort().await;
                    Err(error)
                }
            }
        })
    }

    fn read<'a>(
        &'a self,
        key: BlobKey<'a>,
        _user: &'a str,
        range: Range<u64>,
    ) -> StorageFuture<'a, Result<ByteStream, BlobError>> {
        Box::pin(async move {
            if range.start == range.end {
                return Ok(Box::pin(futures_util::stream::empty()) as ByteStream);
            }
            let options = GetOptions {
                range: Some(GetRange::Bounded(range)),
                ..GetOptions::default()
            };
            let found = match self.store.get_opts(&self.path(key), options).await {
                Ok(found) => found,
                Err(object_store::Error::NotFound { .. }) => return Err(BlobError::Missing),
                Err(error) => return Err(error.into()),
            };
            let bytes = found
                .into_stream()
                .map(|chunk| chunk.map_err(std::io::Error::other));
            Ok(Box::pin(bytes) as ByteStream)
        })
    }

    fn remove<'a>(
        &'a self,
        key: BlobKey<'a>,
        _user: Option<&'a str>,
    ) -> StorageFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            match self.store.delete(&self.path(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(error) => Err(error.into()),
            }
        })
    }

    fn remove_board<'a>(&'a self, board: &'a str) -> StorageFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            // Every object under `<prefix>boards/<board>/`, listed a page at a time and
            // deleted as listed (bounded memory whatever the board holds).
            let prefix = ObjectPath::from(format!("{}boards/{}/", self.prefix, board));
            let mut listed = self.store.list(Some(&prefix));
            while let Some(object) = listed.next().await {
                match self.store.delete(&object?.location).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(error) => return Err(error.into()),
                }
            }
            Ok(())
        })
    }
}
