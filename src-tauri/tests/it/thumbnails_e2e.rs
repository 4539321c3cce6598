//! Image thumbnails in the real app under Xvfb: every card of a board whose tasks hold a
//! picture shows its thumbnail, and the task's panel shows it beside the file's name
//! (screenshots). Also measured, in the page: opening such a board to the frame after every
//! card and thumbnail painted, against the same board without pictures (printed for
//! BENCHMARKS.md, not asserted: the machine's load decides the absolute numbers).

use anyhow::{ensure, Context, Result};
use board_model::{ReplicaConfig, Sources};
use serde_json::{json, Value};
use tack::session::Session;

use crate::app::{artifact, key, App, Desktop};
use crate::e2e::{open_board, settle, wait_focus};

const COLUMNS: u32 = 4;
const TASKS: u32 = 40;

/// A distinct 320 × 240 picture for task `n` (a gradient with a disc that moves with `n`).
fn picture(n: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(320, 240, |x, y| {
        let (cx, cy) = (40 + (n * 37) % 240, 40 + (n * 53) % 160);
        let inside = (x as i64 - cx as i64).pow(2) + (y as i64 - cy as i64).pow(2) < 1600;
        if inside {
            image::Rgb([240, 170, 40])
        } else {
            image::Rgb([(x / 2) as u8, (y + n * 5) as u8, 200 - (y / 3) as u8])
        }
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encode a picture");
    bytes.into_inner()
}

/// Watches the next board opened with Enter: `__tackOpen.done` is the time from the keydown to
/// the frame after its region holds `cards` cards (at least) and `thumbnails` decoded card
/// thumbnails.
const OPEN_PROBE: &str = "\
    const [label, cards, thumbnails] = arguments;\
    window.__tackOpen = null;\
    if (!window.__tackOpenArmed) {\
      window.__tackOpenArmed = true;\
      document.addEventListener('keydown', (e) => {\
        if (e.key === 'Enter' && window.__tackWatch) window.__tackWatch.start(performance.now());\
      }, true);\
    }\
    window.__tackWatch = { start(at) {\
      window.__tackWatch = null;\
      const check = () => {\
        const region = document.querySelector(`[role=region][aria-label=\"${label}\"]`);\
        const shown = region ? region.querySelectorAll('.card[data-task-id]').length : 0;\
        const imgs = region ? [...region.querySelectorAll('img.card-thumbnail')] : [];\
        if (shown >= cards && imgs.length >= thumbnails && imgs.every((i) => i.complete)) {\
          requestAnimationFrame(() => setTimeout(() => {\
            window.__tackOpen = { ms: performance.now() - at, cards: shown, thumbnails: imgs.length };\
          }, 0));\
        } else {\
          requestAnimationFrame(check);\
        }\
      };\
      requestAnimationFrame(check);\
    } };";

/// Opens the board `title` from the sidebar; returns `{ms, cards, thumbnails}` as measured.
async fn timed_open(app: &App, title: &str, cards: u64, thumbnails: u64) -> Result<Value> {
    app.js(
        OPEN_PROBE,
        vec![
            json!(format!("Board {title}")),
            json!(cards),
            json!(thumbnails),
        ],
    )
    .await?;
    open_board(app, title).await?;
    app.wait_for(
        &format!("{title:?} painted"),
        "return window.__tackOpen;",
        30,
    )
    .await
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_and_the_panel_show_image_thumbnails() -> Result<()> {
    let mut desktop = Desktop::start()?;
    {
        let config = ReplicaConfig {
            user: "e2e".into(),
            sources: Sources::system(),
        };
        let mut session = Session::open(&desktop.data_dir(), config).context("store")?;
        session
            .generate_demo_board("Plain", COLUMNS, TASKS)
            .context("plain board")?;
        let pictures = session
            .generate_demo_board("Pictures", COLUMNS, TASKS)
            .context("pictures board")?;
        let view = session.open_board(&pictures.id).context("open")?;
        let mut n = 0;
        for column in &view.columns {
            for task in &column.tasks {
                n += 1;
                let (entry, _) = session
                    .attach_bytes(
                        &pictures.id,
                        &task.id,
                        &format!("photo {n}.png"),
                        &picture(n),
                        None,
                    )
                    .context("attach a picture")?;
                // As after a first look: the thumbnails are in the profile's cache.
                session
                    .blobs()
                    .thumbnail(&entry.sha256)
                    .context("thumbnail")?
                    .context("a thumbnail is made")?;
            }
        }
    }

    let app = desktop.launch().await?;
    // The first opening asks the shell for each thumbnail; later ones show them at once.
    let first = timed_open(&app, "Pictures", 1, 1).await?;
    let shown = first["cards"].as_u64().unwrap_or(0);
    ensure!(shown > 0, "{first}");
    let every: Value = app
        .wait_for(
            "a thumbnail on every card shown",
            "const cards = [...document.querySelectorAll('[role=region] .card[data-task-id]')];\
             const ok = cards.length > 0 && cards.every((c) => {\
               const img = c.querySelector('img.card-thumbnail');\
               return img && img.complete && img.naturalWidth > 0\
                 && img.getAttribute('src').startsWith('data:image/jpeg;base64,');\
             });\
             return ok && cards.length;",
            30,
        )
        .await?;
    let cards = every.as_u64().unwrap_or(0);
    app.screenshot(&artifact("thumbnails-on-cards.png")).await?;

    // Alternately the same board without pictures and with (thumbnails remembered).
    let rounds = std::env::var("TACK_BENCH_OPENS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(6);
    let (mut plain, mut pictures) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let open = timed_open(&app, "Plain", cards, 0).await?;
        plain.push(open["ms"].as_f64().unwrap_or(f64::NAN));
        let open = timed_open(&app, "Pictures", cards, cards).await?;
        ensure!(open["thumbnails"].as_u64() == Some(cards), "{open}");
        pictures.push(open["ms"].as_f64().unwrap_or(f64::NAN));
    }
    let (plain_ms, pictures_ms) = (median(&mut plain), median(&mut pictures));
    println!(
        "open to painted, {cards} cards: without thumbnails median {plain_ms:.1} ms {plain:?}; \
         with a thumbnail on each median {pictures_ms:.1} ms {pictures:?}; \
         difference per card {:.2} ms (first opening, asking the shell: {} ms)",
        (pictures_ms - plain_ms) / cards as f64,
        first["ms"]
    );

    // The panel: the file with its thumbnail.
    settle(&app).await?;
    app.keys("gg").await?;
    wait_focus(&app, "Task 1", "Backlog").await?;
    app.keys(&key::ENTER.to_string()).await?;
    app.wait_for(
        "the file's thumbnail in the panel",
        "const img = document.querySelector('[role=dialog] .file img.file-thumbnail');\
         return img && img.complete && img.naturalWidth > 0 && img.alt === 'photo 1.png';",
        15,
    )
    .await?;
    app.screenshot(&artifact("thumbnail-in-panel.png")).await?;
    app.quit().await?;
    Ok(())
}
