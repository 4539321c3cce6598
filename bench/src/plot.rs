//! SVG bar charts (plotters) of `bench/compare.sh` results: one chart per metric.
//!
//! Input: tab-separated lines `metric<TAB>unit<TAB>label<TAB>value` (see compare.sh); a value
//! that is not a number (a run that failed) is drawn as a missing bar with its note.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plotters::prelude::*;

/// One bar: what it is and its value (`None`: no figure, e.g. the run failed).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
}

/// One chart: its metric name, unit and bars in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub metric: String,
    pub unit: String,
    pub bars: Vec<Bar>,
}

/// Groups `metric<TAB>unit<TAB>label<TAB>value` lines into charts (sorted by metric).
pub fn parse(text: &str) -> Vec<Chart> {
    let mut charts: BTreeMap<String, Chart> = BTreeMap::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [metric, unit, label, value] = fields[..] else {
            continue;
        };
        let chart = charts.entry(metric.to_owned()).or_insert_with(|| Chart {
            metric: metric.to_owned(),
            unit: unit.to_owned(),
            bars: Vec::new(),
        });
        chart.bars.push(Bar {
            label: label.to_owned(),
            value: value.trim().parse().ok().filter(|v: &f64| v.is_finite()),
        });
    }
    charts.into_values().collect()
}

/// A file name for a metric: lower case, `-` for anything but letters and digits.
pub fn file_name(metric: &str) -> String {
    let slug: String = metric
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("{}.svg", slug.trim_matches('-'))
}

/// Draws one horizontal bar chart as SVG.
pub fn draw(chart: &Chart, path: &Path) -> Result<()> {
    let rows = chart.bars.len().max(1);
    let height = 70 + 26 * rows as u32;
    let root = SVGBackend::new(path, (860, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = chart
        .bars
        .iter()
        .filter_map(|bar| bar.value)
        .fold(0.0_f64, f64::max);
    let top = if max > 0.0 { max * 1.45 } else { 1.0 };
    let mut plot = ChartBuilder::on(&root)
        .caption(
            format!("{} ({})", chart.metric, chart.unit),
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(4)
        .build_cartesian_2d(0.0..top, -0.5..(rows as f64 - 0.5))?;
    plot.configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(chart.unit.as_str())
        .draw()?;
    let fill = RGBColor(120, 160, 220).filled();
    plot.draw_series(chart.bars.iter().enumerate().map(|(row, bar)| {
        let y = (rows - 1 - row) as f64;
        Rectangle::new(
            [(0.0, y - 0.38), (bar.value.unwrap_or(0.0), y + 0.38)],
            fill,
        )
    }))?;
    let text = ("sans-serif", 13).into_font();
    plot.draw_series(chart.bars.iter().enumerate().map(|(row, bar)| {
        let y = (rows - 1 - row) as f64;
        let value = bar
            .value
            .map_or_else(|| "no figure".to_owned(), |v| format!("{v:.2}"));
        Text::new(
            format!("{}: {value}", bar.label),
            (bar.value.unwrap_or(0.0) + top * 0.01, y + 0.25),
            text.clone(),
        )
    }))?;
    root.present()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Draws every chart of `text` into `dir`; returns the files written.
pub fn draw_all(text: &str, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    for chart in parse(text) {
        let path = dir.join(file_name(&chart.metric));
        draw(&chart, &path)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_group_into_charts_and_failed_runs_have_no_value() {
        let text = "p99 fan-out 100\tms\ttack\t1.5\np99 fan-out 100\tms\thocuspocus4\t-\n\
                    bad line\nrss\tKB\ttack\t3.2\n";
        let charts = parse(text);
        assert_eq!(charts.len(), 2);
        assert_eq!(charts[0].metric, "p99 fan-out 100");
        assert_eq!(charts[0].bars[0].value, Some(1.5));
        assert_eq!(charts[0].bars[1].value, None);
        assert_eq!(file_name("p99 fan-out 100"), "p99-fan-out-100.svg");
    }

    #[test]
    fn a_chart_is_an_svg_naming_every_bar() {
        let dir = std::env::temp_dir().join(format!("tack-plot-test-{}", std::process::id()));
        let written =
            draw_all("cpu\tµs\ttack\t2.5\ncpu\tµs\ty-websocket\t14\n", &dir).expect("charts drawn");
        assert_eq!(written.len(), 1);
        let svg = std::fs::read_to_string(&written[0]).expect("svg written");
        assert!(svg.starts_with("<svg"), "{svg:.80}");
        assert!(svg.contains("tack: 2.50") && svg.contains("y-websocket: 14.00"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
