-- Data sovereignty: the serving regions a tenant's calls may go to, comma-separated; null allows every region.
ALTER TABLE tenant ADD COLUMN allowed_regions text CHECK (allowed_regions IS NULL OR allowed_regions ~ '^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$');
