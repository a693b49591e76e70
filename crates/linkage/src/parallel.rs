//! Work split across the machine's cores with scoped threads: comparing
//! pairs is independent work, and the results come back in input order, so
//! the output does not depend on the number of cores.

/// `f` applied to every item, in order, using every available core.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let n_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if n_threads < 2 || items.len() < 10_000 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(n_threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            items.chunks(chunk).map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a comparison thread panicked")).collect()
    })
}

/// `f` applied to the items in one chunk per core, each chunk's results in
/// order, concatenated: for work that keeps state (a cache) along a chunk.
pub fn map_chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    let n_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if n_threads < 2 || items.len() < 10_000 {
        return f(items);
    }
    let chunk = items.len().div_ceil(n_threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.chunks(chunk).map(|part| scope.spawn(|| f(part))).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a comparison thread panicked")).collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<u64> = (0..50_000).collect();
        let doubled = super::map(&items, |x| x * 2);
        assert!(doubled.iter().enumerate().all(|(i, &d)| d == 2 * i as u64));
    }
}
