// GraphiQL for pagila-graph: the explorer plugin, the headers editor, subscriptions over
// graphql-transport-ws (graphql-ws), and one tab per example operation.
(function () {
  "use strict";

  const CATALOGUE = `# The catalogue. Ctrl-Enter (or ▶) runs it; Ctrl-Space completes.
# The Explorer (left) builds queries by ticking fields.
query Catalogue($first: Int = 5, $title: String = "dino") {
  films(first: $first, filter: { titleContains: $title }) {
    totalCount
    nodes {
      title
      releaseYear
      rating
      rentalRate
      isInStock
      categories(first: 3) { nodes { name } }
    }
  }
}
`;

  const ASK_AGENT = `# Ask the store's assistant (the offline model answers without configuration).
# Signed in (see the Login tab), the answer can use your rentals and continue a conversation.
mutation AskAgent($question: String!) {
  askAgent(input: { question: $question }) {
    answer
    agent
    conversationId
    errors { code message }
  }
}
`;

  const AGENT_STREAM = `# Follow an agent run as it happens: a subscription over WebSocket (graphql-transport-ws).
subscription AgentStream($question: String!) {
  agentStream(question: $question) {
    __typename
    ... on RunStarted { runId }
    ... on AgentMessageDelta { delta }
    ... on HandoffOccurred { fromAgent toAgent }
    ... on RunCompleted { answer agent latencyMs }
    ... on RunFailed { code message retryAfterSeconds }
  }
}
`;

  const LOGIN = `# Sign in. Put the access token in the Headers tab below as
#   { "Authorization": "Bearer <accessToken>" }
# and every tab (subscriptions too) runs as you. Accounts: pagila-graph load-data --accounts staff
mutation Login($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) {
    errors { code message }
    account { email role }
    tokens { accessToken accessTokenExpiresAt refreshToken }
  }
}
`;

  const defaultTabs = [
    { query: CATALOGUE, variables: '{ "first": 5, "title": "dino" }' },
    {
      query: ASK_AGENT,
      variables: '{ "question": "Is ACADEMY DINOSAUR in stock at store 2?" }',
    },
    {
      query: AGENT_STREAM,
      variables: '{ "question": "Recommend a film about dinosaurs." }',
    },
    {
      query: LOGIN,
      variables: '{ "email": "you@example.com", "password": "…" }',
      headers: '{ "Authorization": "Bearer <accessToken>" }',
    },
  ];

  const url = window.location.href.split(/[?#]/)[0];
  const subscriptionUrl = url.replace(/^http/, "ws");

  // The headers typed in the editor go with HTTP requests and, for subscriptions, as the
  // connection_init payload (browsers cannot set headers on a WebSocket); the Login tab's
  // placeholder (<accessToken>) is left out. A fetcher per call, so a changed token is used
  // at once; graphql-ws closes an idle socket by itself.
  function fetcher(params, options) {
    const headers = {};
    const typed = (options && options.headers) || {};
    Object.keys(typed).forEach(function (name) {
      if (String(typed[name]).indexOf("<accessToken>") < 0) headers[name] = typed[name];
    });
    return GraphiQL.createFetcher({
      url: url,
      subscriptionUrl: subscriptionUrl,
      headers: headers,
      wsConnectionParams: headers,
    })(params, options);
  }

  const explorer = GraphiQLPluginExplorer.explorerPlugin();
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: defaultTabs,
      plugins: [explorer],
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    }),
  );
})();
