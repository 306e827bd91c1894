pub mod compose;
pub mod error;
pub mod finding;
pub mod interp;
pub mod manifest;
pub mod project;
pub mod workspace;
pub mod yaml;
