//! Thumbnails of image attachments (DESIGN §2 "Blobs"): made on this computer from bytes the
//! profile holds, at most [`THUMBNAIL_PX`] on a side, and cached beside the blobs
//! (`blobs/thumbs/<sha256>-<px>.png|.jpg`, or `.none` for bytes that make no thumbnail), so
//! each image is decoded once. Only PNG, JPEG, GIF (its first frame) and WebP are read, told
//! apart by their bytes, never by a name; a file over [`MAX_SOURCE_BYTES`], an image over
//! [`MAX_SIDE_PX`] on a side or [`MAX_PIXELS`] in all, or one the decoder would need more than
//! [`MAX_DECODE_BYTES`] for, is refused before its pixels are decoded; and one thumbnail is made
//! at a time, so memory stays one bounded decode's whatever a board holds.

use std::fs::File;
use std::io::{BufReader, Cursor};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use crate::blobs::Blobs;
use crate::StoreError;

/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_PX: u32 = 256;
/// The largest file a thumbnail is made of.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;
/// The longest side of an image a thumbnail is made of.
pub const MAX_SIDE_PX: u32 = 12_000;
/// The most pixels an image a thumbnail is made of may have (24 MP: a 6000 × 4000 photo).
pub const MAX_PIXELS: u64 = 24_000_000;
/// The most the decoder may allocate for one image.
pub const MAX_DECODE_BYTES: u64 = 128 * 1024 * 1024;
/// JPEG quality of an opaque image's thumbnail.
const JPEG_QUALITY: u8 = 80;

/// One decode at a time (the UI asks for a board's thumbnails at once).
static MAKING: Mutex<()> = Mutex::new(());

/// A made thumbnail: PNG (an image with transparency) or JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// Why no thumbnail is made of some bytes.
#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error("not a PNG, JPEG, GIF or WebP image")]
    NotAnImage,
    #[error("the image is too large for a thumbnail ({0})")]
    TooLarge(String),
    #[error("the image cannot be read: {0}")]
    Undecodable(String),
    #[error("reading the image: {0}")]
    Io(#[from] std::io::Error),
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PX);
    limits.max_image_height = Some(MAX_SIDE_PX);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

fn reader(path: &Path) -> Result<ImageReader<BufReader<File>>, ThumbnailError> {
    let mut reader = ImageReader::new(BufReader::new(File::open(path)?)).with_guessed_format()?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP) => {}
        _ => return Err(ThumbnailError::NotAnImage),
    }
    reader.limits(limits());
    Ok(reader)
}

/// Makes the thumbnail of the image file at `path`: at most [`THUMBNAIL_PX`] on its longest
/// side, its proportions kept (never enlarged). Bad, unknown or oversized input is an error,
/// never a panic.
pub fn make_thumbnail(path: &Path) -> Result<Thumbnail, ThumbnailError> {
    let size = std::fs::metadata(path)?.len();
    if size > MAX_SOURCE_BYTES {
        return Err(ThumbnailError::TooLarge(format!("{size} bytes")));
    }
    let one_at_a_time = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    // The header first: the size is checked before any pixel is decoded.
    let (width, height) = reader(path)?.into_dimensions().map_err(|e| refused(&e))?;
    if width > MAX_SIDE_PX
        || height > MAX_SIDE_PX
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(ThumbnailError::TooLarge(format!(
            "{width} × {height} pixels"
        )));
    }
    let image = reader(path)?.decode().map_err(|e| refused(&e))?;
    let small = if image.width() > THUMBNAIL_PX || image.height() > THUMBNAIL_PX {
        image.thumbnail(THUMBNAIL_PX, THUMBNAIL_PX)
    } else {
        image
    };
    drop(one_at_a_time);
    encode(&small)
}

fn refused(error: &image::ImageError) -> ThumbnailError {
    match error {
        image::ImageError::Limits(_) => ThumbnailError::TooLarge(error.to_string()),
        image::ImageError::Unsupported(_) => ThumbnailError::NotAnImage,
        _ => ThumbnailError::Undecodable(error.to_string()),
    }
}

fn encode(image: &DynamicImage) -> Result<Thumbnail, ThumbnailError> {
    let mut bytes = Cursor::new(Vec::new());
    let undecodable = |e: image::ImageError| ThumbnailError::Undecodable(e.to_string());
    // An alpha channel is not transparency: GIF and WebP decode to RGBA whatever they hold.
    let rgba = image.color().has_alpha().then(|| image.to_rgba8());
    if let Some(rgba) = rgba.filter(|rgba| rgba.pixels().any(|p| p.0[3] < u8::MAX)) {
        rgba.write_to(&mut bytes, ImageFormat::Png)
            .map_err(undecodable)?;
        return Ok(Thumbnail {
            mime: "image/png",
            bytes: bytes.into_inner(),
        });
    }
    let rgb = image.to_rgb8();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(undecodable)?;
    Ok(Thumbnail {
        mime: "image/jpeg",
        bytes: bytes.into_inner(),
    })
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Blobs {
    fn thumbnail_path(&self, sha256: &str, extension: &str) -> PathBuf {
        self.dir()
            .join("thumbs")
            .join(format!("{sha256}-{THUMBNAIL_PX}.{extension}"))
    }

    /// The thumbnail of the image whose bytes are `sha256`, made and cached the first time.
    /// `None` when these bytes make no thumbnail (not an image, too large, damaged: remembered,
    /// not tried again) or are not on this computer (tried again once they are). A thumbnail
    /// outlives its bytes' eviction.
    pub fn thumbnail(&self, sha256: &str) -> Result<Option<Thumbnail>, StoreError> {
        if !board_model::is_sha256_hex(sha256) {
            return Ok(None);
        }
        for (extension, mime) in [("jpg", "image/jpeg"), ("png", "image/png")] {
            let path = self.thumbnail_path(sha256, extension);
            match std::fs::read(&path) {
                Ok(bytes) => return Ok(Some(Thumbnail { mime, bytes })),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(io_error(&path)(error)),
            }
        }
        let none = self.thumbnail_path(sha256, "none");
        if none.exists() {
            return Ok(None);
        }
        let Some(source) = self.local(sha256) else {
            return Ok(None);
        };
        let made = make_thumbnail(&source);
        let (path, bytes) = match &made {
            Ok(thumbnail) => (
                self.thumbnail_path(
                    sha256,
                    if thumbnail.mime == "image/png" {
                        "png"
                    } else {
                        "jpg"
                    },
                ),
                thumbnail.bytes.as_slice(),
            ),
            // The bytes went meanwhile (evicted): not remembered, tried again when back.
            Err(ThumbnailError::Io(_)) => return Ok(None),
            Err(_) => (none, &[][..]),
        };
        // Derived data: written whole under a temporary name, then renamed (not synced: a
        // thumbnail lost to a crash is made again).
        let dir = path.parent().unwrap_or(&path).to_path_buf();
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let temporary = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
        std::fs::write(&temporary, bytes).map_err(io_error(&temporary))?;
        std::fs::rename(&temporary, &path).map_err(io_error(&path))?;
        Ok(made.ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb, Rgba};
    use proptest::prelude::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    }

    fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, format).expect("encode");
        bytes.into_inner()
    }

    fn photo(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
        }))
    }

    /// CRC-32 (ISO-HDLC), for PNG chunks edited by hand.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn an_image_becomes_a_small_thumbnail_of_the_same_proportions() {
        let dir = tempfile::tempdir().expect("temp dir");
        for format in [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Gif,
            ImageFormat::WebP,
        ] {
            let path = write(dir.path(), "wide", &encoded(&photo(1000, 300), format));
            let thumbnail = make_thumbnail(&path).unwrap_or_else(|e| panic!("{format:?}: {e}"));
            assert_eq!(thumbnail.mime, "image/jpeg", "{format:?}: opaque");
            let made = image::load_from_memory(&thumbnail.bytes).expect("a JPEG");
            assert_eq!((made.width(), made.height()), (256, 77), "{format:?}");
            assert!(thumbnail.bytes.len() < 64 * 1024, "{format:?}: small");
        }
        // Transparency is kept (PNG); a small image is not enlarged.
        let clear = DynamicImage::ImageRgba8(ImageBuffer::from_pixel(40, 90, Rgba([9, 9, 9, 0])));
        let path = write(dir.path(), "clear", &encoded(&clear, ImageFormat::Png));
        let thumbnail = make_thumbnail(&path).expect("thumbnail");
        assert_eq!(thumbnail.mime, "image/png");
        let made = image::load_from_memory(&thumbnail.bytes).expect("a PNG");
        assert_eq!((made.width(), made.height()), (40, 90));
    }

    #[test]
    fn huge_dimensions_are_refused_before_decoding() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A real 1 × 1 PNG whose header claims 60,000 × 60,000 pixels (CRC fixed): decoding
        // it would need 14 GB.
        let mut png = encoded(&photo(1, 1), ImageFormat::Png);
        png[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let path = write(dir.path(), "bomb.png", &png);
        assert!(matches!(
            make_thumbnail(&path),
            Err(ThumbnailError::TooLarge(_))
        ));
        // Within each side's limit but too many pixels in all.
        png[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&10_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let path = write(dir.path(), "big.png", &png);
        assert!(matches!(
            make_thumbnail(&path),
            Err(ThumbnailError::TooLarge(_))
        ));
        // A GIF's screen of 65,535 × 65,535.
        let mut gif = encoded(&photo(1, 1), ImageFormat::Gif);
        gif[6..8].copy_from_slice(&u16::MAX.to_le_bytes());
        gif[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
        let path = write(dir.path(), "bomb.gif", &gif);
        assert!(make_thumbnail(&path).is_err());
    }

    #[test]
    fn what_is_not_an_image_makes_no_thumbnail() {
        let dir = tempfile::tempdir().expect("temp dir");
        let svg = write(
            dir.path(),
            "a.png",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        );
        assert!(matches!(
            make_thumbnail(&svg),
            Err(ThumbnailError::NotAnImage)
        ));
        let empty = write(dir.path(), "empty.jpg", b"");
        assert!(make_thumbnail(&empty).is_err());
        // A PNG cut in half.
        let png = encoded(&photo(64, 64), ImageFormat::Png);
        let cut = write(dir.path(), "cut.png", &png[..png.len() / 2]);
        assert!(matches!(
            make_thumbnail(&cut),
            Err(ThumbnailError::Undecodable(_))
        ));
    }

    /// A real 300 × 40 image in `format`, encoded once per test run.
    fn sample(format: ImageFormat) -> Vec<u8> {
        static SAMPLES: std::sync::OnceLock<Vec<(ImageFormat, Vec<u8>)>> =
            std::sync::OnceLock::new();
        SAMPLES
            .get_or_init(|| {
                [
                    ImageFormat::Png,
                    ImageFormat::Jpeg,
                    ImageFormat::Gif,
                    ImageFormat::WebP,
                ]
                .into_iter()
                .map(|format| (format, encoded(&photo(300, 40), format)))
                .collect()
            })
            .iter()
            .find(|(f, _)| *f == format)
            .map(|(_, bytes)| bytes.clone())
            .unwrap_or_default()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Random bytes, and real images with random bytes overwritten, never panic: either
        /// an error or a thumbnail within bounds.
        #[test]
        fn damaged_bytes_never_panic_and_never_exceed_the_bounds(
            format in prop::sample::select(vec![
                ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif, ImageFormat::WebP,
            ]),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..12),
            noise in prop::collection::vec(any::<u8>(), 0..2048),
            raw in any::<bool>(),
        ) {
            let dir = tempfile::tempdir().expect("temp dir");
            let bytes = if raw {
                noise
            } else {
                let mut bytes = sample(format);
                for (at, value) in edits {
                    let at = at.index(bytes.len());
                    bytes[at] = value;
                }
                bytes
            };
            let path = write(dir.path(), "fuzzed", &bytes);
            if let Ok(thumbnail) = make_thumbnail(&path) {
                let made = image::load_from_memory(&thumbnail.bytes).expect("its own output");
                prop_assert!(made.width() <= THUMBNAIL_PX && made.height() <= THUMBNAIL_PX);
            }
        }
    }

    #[test]
    fn thumbnails_are_cached_by_content_and_outlive_their_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = crate::Store::open_in_dir(dir.path()).expect("store");
        let blobs = store.blobs();
        let image = blobs
            .receive(
                &sha256_of(&encoded(&photo(600, 600), ImageFormat::Png)),
                &encoded(&photo(600, 600), ImageFormat::Png)[..],
            )
            .expect("receive");
        let text = blobs.import_reader(&b"just text"[..]).expect("attach");

        let made = blobs
            .thumbnail(&image.sha256)
            .expect("read")
            .expect("a thumbnail");
        assert_eq!(made.mime, "image/jpeg");
        assert!(blobs.thumbnail_path(&image.sha256, "jpg").is_file());
        assert_eq!(blobs.thumbnail(&text.sha256).expect("read"), None);
        assert!(
            blobs.thumbnail_path(&text.sha256, "none").is_file(),
            "remembered"
        );
        assert_eq!(
            blobs.thumbnail(&"0".repeat(64)).expect("read"),
            None,
            "no bytes here"
        );
        assert_eq!(blobs.thumbnail("../../etc/passwd").expect("read"), None);

        // The bytes evicted: the cached thumbnail is still there.
        let freed = blobs
            .evict_downloads(0, &std::collections::HashSet::new())
            .expect("evict");
        assert!(freed > 0);
        assert!(blobs.local(&image.sha256).is_none());
        assert_eq!(blobs.thumbnail(&image.sha256).expect("read"), Some(made));
    }

    fn sha256_of(bytes: &[u8]) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
