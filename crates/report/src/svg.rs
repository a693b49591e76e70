//! Charts as inline SVG, drawn on the server. Written by hand rather than with
//! a plotting crate: two chart shapes are all the report needs, and each must
//! carry a `<title>` and `<desc>` for screen readers, print crisply in black
//! and white, and scale with the page, which is easiest to control directly.
//! Every chart sits beside a table with the same numbers.

use crate::view::{Row, Table};
use byname_stats::disclosure::Shown;
use maud::{Markup, PreEscaped, html};

const WIDTH: f64 = 640.0;

fn value(row: &Row) -> Option<f64> {
    match row.value {
        Shown::Value(v) => Some(v),
        Shown::Withheld => None,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A tidy axis maximum: 1, 2 or 5 times a power of ten, at or above `max`.
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|f| f * power).find(|&v| v >= max).unwrap_or(10.0 * power)
}

/// Horizontal bars, one per row; a withheld figure is drawn as a note, not a bar.
pub fn bars(table: &Table, id: &str) -> Markup {
    let rows: Vec<&Row> = table.rows.iter().collect();
    let bar = 22.0;
    let label_width = 260.0;
    let height = 24.0 + rows.len() as f64 * (bar + 8.0);
    let max = nice_max(rows.iter().filter_map(|r| value(r)).fold(0.0, f64::max));
    let scale = (WIDTH - label_width - 70.0) / max;
    let description: Vec<String> = rows.iter().map(|r| format!("{}: {}", r.label, r.value.text(0))).collect();
    let mut body = String::new();
    for (i, row) in rows.iter().enumerate() {
        let y = 12.0 + i as f64 * (bar + 8.0);
        body.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="end" class="label">{}</text>"#,
            label_width - 8.0,
            y + bar * 0.7,
            escape(&row.label)
        ));
        match value(row) {
            Some(v) => {
                let w = (v * scale).max(if v > 0.0 { 1.0 } else { 0.0 });
                body.push_str(&format!(
                    r#"<rect x="{label_width}" y="{y}" width="{w:.1}" height="{bar}" class="bar"/><text x="{:.1}" y="{}" class="value">{}</text>"#,
                    label_width + w + 6.0,
                    y + bar * 0.7,
                    format_number(v)
                ));
            }
            None => body.push_str(&format!(
                r#"<text x="{}" y="{}" class="value">* (withheld)</text>"#,
                label_width + 6.0,
                y + bar * 0.7
            )),
        }
    }
    chart(id, &table.title, &description.join("; "), height, &body)
}

/// A line of monthly figures with the average of the twelve months to each month.
pub fn trend(table: &Table, id: &str) -> Markup {
    let values: Vec<Option<f64>> = table.rows.iter().map(value).collect();
    let n = values.len().max(2);
    let height = 260.0;
    let (left, right, top, bottom) = (56.0, 16.0, 16.0, 40.0);
    let max = nice_max(values.iter().flatten().fold(0.0, |a: f64, &b| a.max(b)));
    let x = |i: usize| left + (WIDTH - left - right) * i as f64 / (n - 1) as f64;
    let y = |v: f64| top + (height - top - bottom) * (1.0 - v / max);
    let mut body = String::new();
    grid(&mut body, max, left, right, y);
    let path = |points: Vec<(usize, f64)>| -> String {
        points
            .iter()
            .enumerate()
            .map(|(k, (i, v))| format!("{}{:.1},{:.1}", if k == 0 { "M" } else { "L" }, x(*i), y(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let line: Vec<(usize, f64)> = values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
    body.push_str(&format!(r#"<path d="{}" class="line"/>"#, path(line)));
    let average: Vec<(usize, f64)> = (11..values.len())
        .filter_map(|i| {
            let window: Vec<f64> = values[i - 11..=i].iter().flatten().copied().collect();
            (window.len() == 12).then(|| (i, window.iter().sum::<f64>() / 12.0))
        })
        .collect();
    if !average.is_empty() {
        body.push_str(&format!(r#"<path d="{}" class="average"/>"#, path(average)));
    }
    for (i, row) in table.rows.iter().enumerate() {
        if row.label.ends_with("-01") || i == 0 {
            body.push_str(&format!(
                r#"<text x="{:.1}" y="{}" text-anchor="middle" class="label">{}</text>"#,
                x(i),
                height - bottom + 18.0,
                escape(&row.label[..4.min(row.label.len())])
            ));
        }
    }
    let first = table.rows.first().map(|r| r.label.as_str()).unwrap_or_default();
    let last = table.rows.last().map(|r| r.label.as_str()).unwrap_or_default();
    let peak = table.rows.iter().filter_map(|r| value(r).map(|v| (v, r.label.as_str()))).fold(
        None,
        |best: Option<(f64, &str)>, (v, l)| match best {
            Some((b, _)) if b >= v => best,
            _ => Some((v, l)),
        },
    );
    let description = format!(
        "Monthly figures from {first} to {last}{}. The solid line is each month; the dashed line the average of the twelve months to it.",
        peak.map(|(v, l)| format!(", highest {} in {l}", format_number(v))).unwrap_or_default()
    );
    chart(id, &table.title, &description, height, &body)
}

/// One future period of a forecast, as a chart draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct FanStep {
    pub label: String,
    pub point: f64,
    pub lower_80: f64,
    pub upper_80: f64,
    pub lower_95: f64,
    pub upper_95: f64,
}

/// The history as a solid line, then the forecast as a dashed line inside its 95% and 80%
/// intervals (a fan), with a rule where the forecast starts.
pub fn forecast(id: &str, title: &str, history: &[(String, f64)], future: &[FanStep], model: &str) -> Markup {
    let first = history.first().map(|(l, _)| l.as_str()).unwrap_or_default();
    let last = history.last().map(|(l, _)| l.as_str()).unwrap_or_default();
    let end = future.last().map(|s| format!(" The forecast for {} is {}.", s.label, in_words(s)));
    let description = format!(
        "Figures from {first} to {last} as a solid line, then the forecast by {model} as a dashed line inside its 80% (darker) and 95% (lighter) intervals.{}",
        end.unwrap_or_default()
    );
    fans(id, title, &description, history, &[(future, "")], &[])
}

/// A scenario against its baseline: the history as a solid line, the baseline's fan in grey,
/// the scenario's in colour, and what was recorded over the projected months (when the model
/// was fitted to earlier data) as dots.
pub fn scenario(
    id: &str,
    title: &str,
    history: &[(String, f64)],
    baseline: &[FanStep],
    scenario: &[FanStep],
    recorded: &[Option<f64>],
) -> Markup {
    let first = history.first().map(|(l, _)| l.as_str()).unwrap_or_default();
    let last = history.last().map(|(l, _)| l.as_str()).unwrap_or_default();
    let end = match (baseline.last(), scenario.last()) {
        (Some(b), Some(s)) => format!(
            " In {}, the scenario projects {}, against {} without the change.",
            s.label,
            in_words(s),
            in_words(b)
        ),
        _ => String::new(),
    };
    let dots = if recorded.iter().any(Option::is_some) {
        " Dots are the figures recorded in the projected months."
    } else {
        ""
    };
    let description = format!(
        "Figures from {first} to {last} as a solid line, then the baseline (grey, dashed) and the scenario (blue, dashed), each inside its 80% and 95% ranges.{end}{dots}"
    );
    fans(id, title, &description, history, &[(baseline, "base-"), (scenario, "")], recorded)
}

fn in_words(s: &FanStep) -> String {
    format!(
        "{} (80% interval {} to {}, 95% interval {} to {})",
        format_number(s.point.round()),
        format_number(s.lower_80.round()),
        format_number(s.upper_80.round()),
        format_number(s.lower_95.round()),
        format_number(s.upper_95.round())
    )
}

/// The history as a solid line and each fan after it, its classes prefixed as given.
fn fans(
    id: &str,
    title: &str,
    description: &str,
    history: &[(String, f64)],
    fans: &[(&[FanStep], &str)],
    recorded: &[Option<f64>],
) -> Markup {
    let future_len = fans.iter().map(|(f, _)| f.len()).max().unwrap_or(0);
    let n = (history.len() + future_len).max(2);
    let height = 280.0;
    let (left, right, top, bottom) = (56.0, 16.0, 16.0, 40.0);
    let highest = fans.iter().flat_map(|(f, _)| f.iter().map(|s| s.upper_95)).chain(recorded.iter().flatten().copied());
    let max = nice_max(history.iter().map(|(_, v)| *v).chain(highest).fold(0.0, f64::max));
    let x = |i: usize| left + (WIDTH - left - right) * i as f64 / (n - 1) as f64;
    let y = |v: f64| top + (height - top - bottom) * (1.0 - v / max);
    let mut body = String::new();
    grid(&mut body, max, left, right, y);
    let start = history.len();
    // The bands start at the last figure known, so the fan opens from the line.
    let anchor = history.last().map(|(_, v)| (start - 1, *v));
    let path = |points: &[(usize, f64)]| -> String {
        points
            .iter()
            .enumerate()
            .map(|(k, (i, v))| format!("{}{:.1},{:.1}", if k == 0 { "M" } else { "L" }, x(*i), y(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (future, prefix) in fans.iter().filter(|(f, _)| !f.is_empty()) {
        let band = |lower: fn(&FanStep) -> f64, upper: fn(&FanStep) -> f64| -> String {
            let mut points: Vec<(usize, f64)> = anchor.into_iter().collect();
            points.extend(future.iter().enumerate().map(|(k, s)| (start + k, upper(s))));
            let mut back: Vec<(usize, f64)> = future.iter().enumerate().map(|(k, s)| (start + k, lower(s))).collect();
            back.reverse();
            points.extend(back);
            points.iter().map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v))).collect::<Vec<_>>().join(" ")
        };
        body.push_str(&format!(
            r#"<polygon points="{}" class="{prefix}band95"/>"#,
            band(|s| s.lower_95, |s| s.upper_95)
        ));
        body.push_str(&format!(
            r#"<polygon points="{}" class="{prefix}band80"/>"#,
            band(|s| s.lower_80, |s| s.upper_80)
        ));
    }
    if future_len > 0 {
        let divider = x(start.saturating_sub(1));
        body.push_str(&format!(
            r#"<line x1="{divider:.1}" x2="{divider:.1}" y1="{top}" y2="{}" class="divider"/>"#,
            height - bottom
        ));
    }
    let line: Vec<(usize, f64)> = history.iter().enumerate().map(|(i, (_, v))| (i, *v)).collect();
    body.push_str(&format!(r#"<path d="{}" class="line"/>"#, path(&line)));
    for (future, prefix) in fans.iter().filter(|(f, _)| !f.is_empty()) {
        let mut ahead: Vec<(usize, f64)> = anchor.into_iter().collect();
        ahead.extend(future.iter().enumerate().map(|(k, s)| (start + k, s.point)));
        body.push_str(&format!(r#"<path d="{}" class="{prefix}forecast"/>"#, path(&ahead)));
    }
    for (k, v) in recorded.iter().enumerate() {
        if let Some(v) = v {
            body.push_str(&format!(r#"<circle cx="{:.1}" cy="{:.1}" r="3" class="recorded"/>"#, x(start + k), y(*v)));
        }
    }
    let longest = fans.iter().map(|(f, _)| *f).max_by_key(|f| f.len()).unwrap_or(&[]);
    let labels = history.iter().map(|(l, _)| l.as_str()).chain(longest.iter().map(|s| s.label.as_str()));
    for (i, label) in labels.enumerate() {
        // A year's mark: January of a month, or the first quarter of a financial year.
        if label.ends_with("-01") || label.ends_with("-Q1") {
            body.push_str(&format!(
                r#"<text x="{:.1}" y="{}" text-anchor="middle" class="label">{}</text>"#,
                x(i),
                height - bottom + 18.0,
                escape(label.split('-').next().unwrap_or(label))
            ));
        }
    }
    chart(id, title, description, height, &body)
}

/// Five horizontal grid lines from 0 to `max`, labelled on the left.
fn grid(body: &mut String, max: f64, left: f64, right: f64, y: impl Fn(f64) -> f64) {
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        body.push_str(&format!(
            r#"<line x1="{left}" x2="{}" y1="{:.1}" y2="{:.1}" class="grid"/><text x="{}" y="{:.1}" text-anchor="end" class="label">{}</text>"#,
            WIDTH - right,
            y(v),
            y(v),
            left - 6.0,
            y(v) + 4.0,
            format_number(v)
        ));
    }
}

fn chart(id: &str, title: &str, description: &str, height: f64, body: &str) -> Markup {
    html! {
        figure.chart {
            (PreEscaped(format!(
                r#"<svg viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{body}</svg>"#,
                escape(title),
                escape(description)
            )))
        }
    }
}

/// Whole numbers without decimals, others with one.
pub fn format_number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{}", v.round() as i64) } else { format!("{v:.1}") }
}
