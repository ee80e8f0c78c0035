//! Bar charts drawn as inline SVG on the server: the geometry is computed here and the template
//! writes the elements, so askama escapes every label and no script is needed. Hand-made rather
//! than a plotting crate: a handful of bars with an axis is a few lines, keeps the page's markup
//! ours (titles, descriptions, roles for screen readers) and adds no dependency.

/// Chart area in SVG units; the SVG scales to the page width.
const WIDTH: u32 = 720;
const HEIGHT: u32 = 220;
const LEFT: u32 = 44;
const BOTTOM: u32 = 28;
const TOP: u32 = 12;

#[derive(Debug, Clone)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub label: String,
    /// Shown under the bar (every bar's label may not fit: `show_label`).
    pub show_label: bool,
    pub value: u64,
    pub label_x: u32,
}

#[derive(Debug, Clone)]
pub struct Tick {
    pub y: u32,
    pub value: u64,
}

#[derive(Debug, Clone)]
pub struct BarChart {
    /// Unique on the page: the title and description ids derive from it.
    pub id: &'static str,
    pub title: String,
    pub desc: String,
    pub width: u32,
    pub height: u32,
    pub left: u32,
    pub baseline: u32,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
}

/// A round top for the axis: 1, 2 or 5 times a power of ten, at least `max`.
fn nice(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if step * m >= max {
                return step * m;
            }
        }
        step = step.saturating_mul(10);
    }
}

impl BarChart {
    pub fn new(id: &'static str, title: &str, unit: &str, points: &[(String, u64)]) -> Self {
        let top = nice(points.iter().map(|p| p.1).max().unwrap_or(0).max(1));
        let plot_h = HEIGHT - TOP - BOTTOM;
        let plot_w = WIDTH - LEFT - 8;
        let n = points.len().max(1) as u32;
        let slot = plot_w / n;
        let width = (slot * 7 / 10).max(2);
        let every = (n / 12).max(1) as usize;
        let baseline = HEIGHT - BOTTOM;
        let bars = points
            .iter()
            .enumerate()
            .map(|(i, (label, value))| {
                let h = (u128::from(*value) * u128::from(plot_h) / u128::from(top)) as u32;
                let x = LEFT + i as u32 * slot + (slot - width) / 2;
                Bar {
                    x,
                    y: baseline - h,
                    width,
                    height: h,
                    label: label.clone(),
                    show_label: i % every == 0,
                    value: *value,
                    label_x: x + width / 2,
                }
            })
            .collect();
        let ticks = (0..=4)
            .map(|k| Tick {
                y: baseline - plot_h * k / 4,
                value: top * u64::from(k) / 4,
            })
            .collect();
        let total: u64 = points.iter().map(|p| p.1).sum();
        let busiest = points.iter().max_by_key(|p| p.1).filter(|p| p.1 > 0);
        let desc = match busiest {
            Some((label, v)) => format!(
                "{total} {unit} in all; the most, {v}, at {label}. The table below gives every value."
            ),
            None => format!("No {unit} in this range."),
        };
        Self {
            id,
            title: title.to_owned(),
            desc,
            width: WIDTH,
            height: HEIGHT,
            left: LEFT,
            baseline,
            bars,
            ticks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_a_round_axis_and_say_what_they_show() {
        let pts: Vec<(String, u64)> = vec![
            ("00:00".into(), 3),
            ("01:00".into(), 7),
            ("02:00".into(), 0),
        ];
        let c = BarChart::new("by-hour", "Opened by hour", "conversations", &pts);
        assert_eq!(c.ticks.last().map(|t| t.value), Some(10));
        assert_eq!(c.bars[1].height, (HEIGHT - TOP - BOTTOM) * 7 / 10);
        assert_eq!(c.bars[2].height, 0);
        assert!(c.bars.iter().all(|b| b.y + b.height == c.baseline));
        assert!(
            c.desc
                .contains("10 conversations in all; the most, 7, at 01:00"),
            "{}",
            c.desc
        );
        assert_eq!(nice(0), 1);
        assert_eq!(nice(11), 20);
        assert_eq!(nice(4999), 5000);
    }
}
