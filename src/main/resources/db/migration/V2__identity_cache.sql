-- How many sequence numbers the database reserves at a time for ingestion.seq; the value comes
-- from Dialect.migrationPlaceholders. H2 writes its whole store each time a reserved range runs
-- out, so it reserves many; PostgreSQL reserves per session, so it must reserve one to keep
-- seq in acceptance order across instances.
ALTER TABLE ingestion ALTER COLUMN seq SET CACHE ${identity_cache};
