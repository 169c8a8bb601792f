-- Reserved for the inference pipeline; filled by its issue. Empty until then.
SELECT 1;
