//! What can stop the engine before it scores anything: no comparisons, too
//! many to pack into a pattern, or no blocking rule within the budget.

use crate::comparison::MAX_COMPARISONS;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EngineError {
    #[error("nothing to compare: no column was chosen for comparison")]
    NoComparisons,
    #[error("at most {MAX_COMPARISONS} comparisons are supported, {0} were given")]
    TooManyComparisons(usize),
    #[error("no blocking rule fits within {budget} candidate pairs; give rules by hand or raise the budget")]
    NoFeasibleRule { budget: u64 },
}
