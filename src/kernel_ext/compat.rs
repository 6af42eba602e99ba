// SPDX-License-Identifier: GPL-2.0

//! What differs between the kernel series the modules build on (the kernel crate's API changes
//! every release), absorbed in one place, by the shape of the API rather than a version test.

/// A `u32` module parameter's value, as `value()` gives it: `&u32` in 7.2, `u32` in 7.3.
pub(crate) trait ParamValue {
    fn get(self) -> u32;
}

impl ParamValue for u32 {
    fn get(self) -> u32 {
        self
    }
}

impl ParamValue for &u32 {
    fn get(self) -> u32 {
        *self
    }
}

/// The value of a `u32` module parameter on any supported series.
pub(crate) fn param(value: impl ParamValue) -> u32 {
    value.get()
}
