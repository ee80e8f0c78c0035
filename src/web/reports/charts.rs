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

/// The step between the axis's five ticks (0 and four above): 1, 2 or 5 times a power of ten,
/// so that four steps reach at least `max` and every tick is a whole, round number.
fn tick_step(max: u64) -> u64 {
    let need = max.div_ceil(TICKS).max(1);
    let mut power = 1u64;
    loop {
        for m in [1, 2, 5] {
            if power.saturating_mul(m) >= need {
                return power.saturating_mul(m);
            }
        }
        power = power.saturating_mul(10);
    }
}

/// Ticks above zero.
const TICKS: u64 = 4;

impl BarChart {
    pub fn new(id: &'static str, title: &str, unit: &str, points: &[(String, u64)]) -> Self {
        let step = tick_step(points.iter().map(|p| p.1).max().unwrap_or(0));
        let top = step * TICKS;
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
        let ticks = (0..=TICKS as u32)
            .map(|k| Tick {
                y: baseline - plot_h * k / TICKS as u32,
                value: step * u64::from(k),
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
        assert_eq!(
            c.ticks.iter().map(|t| t.value).collect::<Vec<_>>(),
            [0, 2, 4, 6, 8]
        );
        assert_eq!(c.bars[1].height, (HEIGHT - TOP - BOTTOM) * 7 / 8);
        assert_eq!(c.bars[2].height, 0);
        assert!(c.bars.iter().all(|b| b.y + b.height == c.baseline));
        assert!(
            c.desc
                .contains("10 conversations in all; the most, 7, at 01:00"),
            "{}",
            c.desc
        );
        assert_eq!(tick_step(0), 1);
        assert_eq!(tick_step(5), 2);
        assert_eq!(tick_step(15), 5);
        assert_eq!(tick_step(4999), 2000);
    }

    #[test]
    fn every_tick_sits_where_its_value_is_and_a_bar_reaches_its_value() {
        let plot_h = u64::from(HEIGHT - TOP - BOTTOM);
        for max in [1u64, 3, 5, 7, 9, 13, 15, 99, 101, 12_345] {
            let pts = vec![("a".to_owned(), max), ("b".to_owned(), 1)];
            let c = BarChart::new("x", "X", "things", &pts);
            let top = c.ticks.last().map(|t| t.value).unwrap();
            assert!(top >= max, "{max}");
            for t in &c.ticks {
                let from_base = u64::from(c.baseline - t.y);
                assert_eq!(
                    from_base * top,
                    t.value * plot_h,
                    "tick {} of max {max}",
                    t.value
                );
            }
            // A bar of `max` rises to max/top of the plot (to the unit, rounded down).
            assert_eq!(u64::from(c.bars[0].height), max * plot_h / top, "{max}");
        }
    }
}
