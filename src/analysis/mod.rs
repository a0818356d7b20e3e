pub mod kb;
