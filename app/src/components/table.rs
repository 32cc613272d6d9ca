//! Tables defined once by their columns, so the page and its "Download CSV" show exactly the
//! same cells: the CSV is built from the rows the table renders, in the browser's hands already.

use leptos::prelude::*;

/// One column: its heading and how a row reads in it.
pub struct Column<R> {
    pub label: &'static str,
    /// The heading's tooltip: what the number means.
    pub help: &'static str,
    /// Right-aligned figures.
    pub numeric: bool,
    pub text: fn(&R) -> String,
}

impl<R> Column<R> {
    pub const fn text(label: &'static str, text: fn(&R) -> String) -> Self {
        Column {
            label,
            help: "",
            numeric: false,
            text,
        }
    }

    pub const fn number(label: &'static str, help: &'static str, text: fn(&R) -> String) -> Self {
        Column {
            label,
            help,
            numeric: true,
            text,
        }
    }

    pub fn class(&self) -> &'static str {
        if self.numeric {
            "num"
        } else {
            ""
        }
    }
}

/// A table's frame: no wider than the page, it scrolls sideways when the table is wider.
/// Focusable and labelled, so a keyboard can scroll it too and a screen reader names it.
#[component]
pub fn TableScroll(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="table-scroll" role="region" aria-label=label tabindex="0">
            {children()}
        </div>
    }
}

/// A plain table of text cells, with its CSV link above it.
#[component]
pub fn DataTable<R: 'static>(
    /// The download's file name.
    name: &'static str,
    /// What the table holds: its caption and its frame's name.
    label: &'static str,
    columns: &'static [Column<R>],
    rows: Vec<R>,
) -> impl IntoView {
    let csv = csv(columns, &rows);
    // Built before the frame takes it: the frame's children must be `Send`, and `R` need not.
    let table = view! {
        <table class="data-table" data-table=name data-testid=format!("{name}-table")>
            <caption class="visually-hidden">{label}</caption>
            <thead>
                <tr>
                    {columns
                        .iter()
                        .map(|c| view! { <th scope="col" class=c.class() title=c.help>{c.label}</th> })
                        .collect_view()}
                </tr>
            </thead>
            <tbody>
                {rows
                    .iter()
                    .map(|row| {
                        view! {
                            <tr data-testid=format!("{name}-row")>
                                {columns
                                    .iter()
                                    .map(|c| view! { <td class=c.class()>{(c.text)(row)}</td> })
                                    .collect_view()}
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    };
    view! {
        <CsvLink name csv />
        <TableScroll label>{table}</TableScroll>
    }
}

/// "Download CSV" as a `data:` link: works before hydration and needs no second request.
#[component]
pub fn CsvLink(name: &'static str, csv: String) -> impl IntoView {
    view! {
        <a
            class="button csv"
            download=format!("{name}.csv")
            href=data_url(&csv)
            data-csv=name
            data-testid=format!("{name}-csv")
        >
            "Download CSV"
        </a>
    }
}

/// The rows as RFC 4180 CSV with a header line.
pub fn csv<R>(columns: &[Column<R>], rows: &[R]) -> String {
    let mut out = String::new();
    let header: Vec<String> = columns.iter().map(|c| field(c.label)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        let cells: Vec<String> = columns.iter().map(|c| field(&(c.text)(row))).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Quotes when needed; a cell a spreadsheet would run as a formula (captions are anyone's
/// text) gets a leading apostrophe, as OWASP advises against CSV injection.
fn field(value: &str) -> String {
    let guarded =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err() {
            format!("'{value}")
        } else {
            value.to_owned()
        };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn data_url(csv: &str) -> String {
    let mut url = String::from("data:text/csv;charset=utf-8,");
    for byte in csv.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, i64);

    const COLUMNS: [Column<Row>; 2] = [
        Column::text("Name", |r| r.0.to_owned()),
        Column::number("Count", "", |r| r.1.to_string()),
    ];

    #[test]
    fn csv_quotes_and_guards_cells() {
        let rows = [
            Row("plain", 1),
            Row("a, \"b\"", -2),
            Row("=HYPERLINK(1)", 3),
            Row("-5", 4),
        ];
        assert_eq!(
            csv(&COLUMNS, &rows),
            "Name,Count\r\nplain,1\r\n\"a, \"\"b\"\"\",-2\r\n'=HYPERLINK(1),3\r\n-5,4\r\n"
        );
    }

    #[test]
    fn data_urls_encode_everything_but_plain_characters() {
        assert_eq!(
            data_url("a b,é\r\n"),
            "data:text/csv;charset=utf-8,a%20b%2C%C3%A9%0D%0A"
        );
    }
}
