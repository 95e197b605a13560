-- Quota settings: a project's OS quotas (scope "os") and each workspace's
-- (scope "workspace/{id}"), as a JSON map of resource to {quota, update_ms}.
CREATE TABLE quota_settings (
    project_id TEXT NOT NULL,
    scope      TEXT NOT NULL,
    doc        TEXT NOT NULL,
    PRIMARY KEY (project_id, scope)
);
