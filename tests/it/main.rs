mod analyze;
mod deps;
