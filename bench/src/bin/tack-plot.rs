//! `tack-plot RESULTS.tsv DIR`: one SVG bar chart per metric of a compare.sh results file.

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, dir] = &args[..] else {
        bail!("usage: tack-plot RESULTS.tsv DIR");
    };
    let text = std::fs::read_to_string(input).with_context(|| format!("reading {input}"))?;
    for path in tack_bench::plot::draw_all(&text, std::path::Path::new(dir))? {
        println!("{}", path.display());
    }
    Ok(())
}
