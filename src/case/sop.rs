//! The SOP as rules: which state may follow which, who may move it, and the time standard each step is held to.
