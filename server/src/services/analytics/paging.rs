//! Sorting and paging a table: the order of a sort key, which page is shown and how many
//! there are.

use std::cmp::Ordering;

use app::dto::POSTS_PAGE_SIZE;

/// Two rows' sort keys, highest first unless `ascending`; a row without one sorts last either
/// way.
pub(super) fn by_key(a: Option<f64>, b: Option<f64>, ascending: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) if ascending => x.total_cmp(&y),
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// `(page, pages)`: page 0 reads as 1; there is always at least one (maybe empty) page.
pub(super) fn pages(total: usize, page: u32) -> (u32, u32) {
    let size = POSTS_PAGE_SIZE as usize;
    let pages = u32::try_from(total.div_ceil(size).max(1)).unwrap_or(u32::MAX);
    (page.max(1), pages)
}

/// The rows of `page` (1-based, as [`pages`] gives it).
pub(super) fn cut<T>(rows: Vec<T>, page: u32) -> Vec<T> {
    let size = POSTS_PAGE_SIZE as usize;
    rows.into_iter()
        .skip((page as usize - 1).saturating_mul(size))
        .take(size)
        .collect()
}

/// The rows of `page` of `rows` sorted by `compare`. Only the rows up to the page's end are
/// sorted: the rest are split off unordered first (linear), which is what ranking a few
/// hundred thousand posts for one page needs.
pub(super) fn sorted_page<T>(
    mut rows: Vec<T>,
    page: u32,
    compare: impl Fn(&T, &T) -> Ordering,
) -> Vec<T> {
    let size = POSTS_PAGE_SIZE as usize;
    let end = (page as usize).saturating_mul(size).min(rows.len());
    if end < rows.len() {
        rows.select_nth_unstable_by(end, &compare);
        rows.truncate(end);
    }
    rows.sort_by(&compare);
    cut(rows, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_counts() {
        assert_eq!(pages(0, 0), (1, 1));
        assert_eq!(pages(50, 1), (1, 1));
        assert_eq!(pages(51, 3), (3, 2));
        assert_eq!(pages(100, 2), (2, 2));
    }

    #[test]
    fn a_page_is_cut_from_its_rows() {
        let rows: Vec<u32> = (0..120).collect();
        assert_eq!(cut(rows.clone(), 1).len(), 50);
        assert_eq!(cut(rows.clone(), 3), (100..120).collect::<Vec<_>>());
        assert!(cut(rows, 4).is_empty());
    }

    #[test]
    fn a_sorted_page_is_the_page_of_the_sorted_rows() {
        // A scrambled permutation of 0..120, sorted highest first.
        let rows: Vec<u32> = (0..120).map(|i| (i * 37) % 120).collect();
        let desc = |a: &u32, b: &u32| b.cmp(a);
        assert_eq!(
            sorted_page(rows.clone(), 1, desc),
            (70..120).rev().collect::<Vec<_>>()
        );
        assert_eq!(
            sorted_page(rows.clone(), 3, desc),
            (0..20).rev().collect::<Vec<_>>()
        );
        assert!(sorted_page(rows.clone(), 4, desc).is_empty());
        assert_eq!(sorted_page(rows[..10].to_vec(), 1, desc).len(), 10);
    }
}
