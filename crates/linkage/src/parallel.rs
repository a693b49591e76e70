//! Work split across the machine's cores with scoped threads: comparing
//! pairs is independent work, and the results come back in input order, so
//! the output does not depend on the number of cores.

/// The cores there are to work on.
pub fn n_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `f` applied to every item, in order, using every available core.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let n_threads = n_threads();
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
    let n_threads = n_threads();
    if n_threads < 2 || items.len() < 10_000 {
        return f(items);
    }
    let chunk = items.len().div_ceil(n_threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.chunks(chunk).map(|part| scope.spawn(|| f(part))).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a comparison thread panicked")).collect()
    })
}

/// `out` filled in one stretch per core: `f(start, stretch)` writes the
/// results for items `start..start + stretch.len()`. Results land in place,
/// so a large output is never held twice.
pub fn fill<R: Send>(out: &mut [R], f: impl Fn(usize, &mut [R]) + Sync) {
    let n_threads = n_threads();
    if n_threads < 2 || out.len() < 10_000 {
        return f(0, out);
    }
    let chunk = out.len().div_ceil(n_threads);
    let f = &f;
    std::thread::scope(|scope| {
        for (i, stretch) in out.chunks_mut(chunk).enumerate() {
            scope.spawn(move || f(i * chunk, stretch));
        }
    });
}

/// `f` applied to every item, in order, the items shared among the cores one
/// at a time: for a few items of uneven, heavy work (a blocking rule's pairs).
pub fn map_each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let n_threads = n_threads().min(items.len());
    if n_threads < 2 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n_threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break done };
                        done.push((i, f(item)));
                    }
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a worker thread panicked")).collect()
    });
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, result) in done {
        slots[i] = Some(result);
    }
    slots.into_iter().map(|slot| slot.expect("every item was taken once")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<u64> = (0..50_000).collect();
        let doubled = super::map(&items, |x| x * 2);
        assert!(doubled.iter().enumerate().all(|(i, &d)| d == 2 * i as u64));
        let squared = super::map_each(&items[..100], |x| x * x);
        assert!(squared.iter().enumerate().all(|(i, &d)| d == (i * i) as u64));
    }
}
