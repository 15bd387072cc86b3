/** The policy of the sectioned format's README, plus a deny: shared by the unit and end-to-end tests. */
export const SECTIONED_POLICY = {
  default: "deny",
  rules: [
    {
      subject: { tenant: "client", client: "local-dev" },
      allow: {
        methods: ["initialize", "tools/list", "tools/call", "resources/list", "resources/read", "prompts/list", "prompts/get"],
        tools: ["*"],
        resources: ["*"],
        prompts: ["*"],
      },
      deny: { tools: ["rm"] },
    },
  ],
};
