(function(){let e=document.createElement(`link`).relList;if(e&&e.supports&&e.supports(`modulepreload`))return;for(let e of document.querySelectorAll(`link[rel="modulepreload"]`))n(e);new MutationObserver(e=>{for(let t of e)if(t.type===`childList`)for(let e of t.addedNodes)e.tagName===`LINK`&&e.rel===`modulepreload`&&n(e)}).observe(document,{childList:!0,subtree:!0});function t(e){let t={};return e.integrity&&(t.integrity=e.integrity),e.referrerPolicy&&(t.referrerPolicy=e.referrerPolicy),t.credentials=e.crossOrigin===`use-credentials`?`include`:e.crossOrigin===`anonymous`?`omit`:`same-origin`,t}function n(e){if(e.ep)return;e.ep=!0;let n=t(e);fetch(e.href,n)}})();function e(e,n={},...r){let i=document.createElement(e);for(let[e,t]of Object.entries(n))t!=null&&t!==!1&&(typeof t==`function`?i.addEventListener(e.replace(/^on/,``),t):t===!0?i.setAttribute(e,``):i.setAttribute(e,String(t)));return t(i,r),i}function t(e,n){for(let r of n)r!=null&&r!==!1&&(Array.isArray(r)?t(e,r):e.appendChild(r instanceof Node?r:document.createTextNode(String(r))))}function n(e,...n){e.replaceChildren(),t(e,n)}var r=class extends String{__apiType;value;__meta__;constructor(e,t){super(e),this.value=e,this.__meta__=t}toString(){return this.value}};new r(`
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
    `,{fragmentName:`UserErrorFields`}),new r(`
    fragment SessionFields on AuthTokens {
  accessToken
  accessTokenExpiresAt
  refreshToken
}
    `,{fragmentName:`SessionFields`}),new r(`
    fragment RentalRow on Rental {
  rentalId
  rentalDate
  returnDate
  dueDate
  isOverdue
  film {
    filmId
    title
  }
  inventory {
    inventoryId
    store {
      storeId
    }
  }
}
    `,{fragmentName:`RentalRow`}),new r(`
    fragment FilmCard on Film {
  filmId
  title
  description
  releaseYear
  rating
  length
  rentalRate
  isInStock
  posterUrl
}
    `,{fragmentName:`FilmCard`});var i=new r(`
    mutation Login($input: LoginInput!) {
  login(input: $input) {
    errors {
      ...UserErrorFields
    }
    tokens {
      ...SessionFields
    }
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
fragment SessionFields on AuthTokens {
  accessToken
  accessTokenExpiresAt
  refreshToken
}`),a=new r(`
    mutation Register($input: RegisterInput!) {
  register(input: $input) {
    errors {
      ...UserErrorFields
    }
    tokens {
      ...SessionFields
    }
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
fragment SessionFields on AuthTokens {
  accessToken
  accessTokenExpiresAt
  refreshToken
}`),o=new r(`
    mutation Refresh($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    errors {
      ...UserErrorFields
    }
    tokens {
      ...SessionFields
    }
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
fragment SessionFields on AuthTokens {
  accessToken
  accessTokenExpiresAt
  refreshToken
}`),s=new r(`
    mutation Logout($input: LogoutInput!) {
  logout(input: $input) {
    errors {
      ...UserErrorFields
    }
    loggedOut
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}`),c=new r(`
    query Me {
  me {
    email
    role
    customer {
      customerId
      firstName
      lastName
      balance
      store {
        storeId
      }
      rentals(first: 10) {
        nodes {
          ...RentalRow
        }
      }
    }
  }
}
    fragment RentalRow on Rental {
  rentalId
  rentalDate
  returnDate
  dueDate
  isOverdue
  film {
    filmId
    title
  }
  inventory {
    inventoryId
    store {
      storeId
    }
  }
}`),l=new r(`
    mutation RentFilm($input: RentFilmInput!) {
  rentFilm(input: $input) {
    errors {
      ...UserErrorFields
    }
    rental {
      ...RentalRow
    }
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
fragment RentalRow on Rental {
  rentalId
  rentalDate
  returnDate
  dueDate
  isOverdue
  film {
    filmId
    title
  }
  inventory {
    inventoryId
    store {
      storeId
    }
  }
}`),u=new r(`
    mutation ReturnRental($input: ReturnRentalInput!) {
  returnRental(input: $input) {
    errors {
      ...UserErrorFields
    }
    charge
    amountDue
    rental {
      ...RentalRow
    }
  }
}
    fragment UserErrorFields on UserError {
  code
  message
  field
  ... on RateLimitedError {
    retryAfterSeconds
  }
}
fragment RentalRow on Rental {
  rentalId
  rentalDate
  returnDate
  dueDate
  isOverdue
  film {
    filmId
    title
  }
  inventory {
    inventoryId
    store {
      storeId
    }
  }
}`),d=new r(`
    subscription AgentStream($question: String!, $conversationId: Int) {
  agentStream(question: $question, conversationId: $conversationId) {
    __typename
    ... on RunStarted {
      runId
      conversationId
    }
    ... on AgentMessageDelta {
      agent
      delta
    }
    ... on ToolCallStarted {
      agent
      plugin
      function
      arguments
    }
    ... on ToolCallFinished {
      agent
      plugin
      function
      arguments
      resultPreview
      durationMs
    }
    ... on HandoffOccurred {
      fromAgent
      toAgent
      reason
    }
    ... on RunCompleted {
      answer
      agent
      conversationId
      ungroundedTitles
      latencyMs
      films {
        ...FilmCard
      }
    }
    ... on RunFailed {
      code
      message
      retryAfterSeconds
    }
  }
}
    fragment FilmCard on Film {
  filmId
  title
  description
  releaseYear
  rating
  length
  rentalRate
  isInStock
  posterUrl
}`),f=new r(`
    query Films($filter: FilmFilter, $orderBy: FilmOrder, $first: Int, $after: String, $last: Int, $before: String) {
  films(
    filter: $filter
    orderBy: $orderBy
    first: $first
    after: $after
    last: $last
    before: $before
  ) {
    totalCount
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
    nodes {
      ...FilmCard
    }
  }
}
    fragment FilmCard on Film {
  filmId
  title
  description
  releaseYear
  rating
  length
  rentalRate
  isInStock
  posterUrl
}`),p=new r(`
    query Categories {
  categories(first: 50, orderBy: {field: NAME}) {
    nodes {
      categoryId
      name
    }
  }
}
    `);new r(`
    query Stores {
  stores(first: 20) {
    nodes {
      storeId
      address {
        address
        city {
          city
        }
      }
    }
  }
}
    `);var m=new r(`
    query FilmDetail($filmId: Int!) {
  film(filmId: $filmId) {
    ...FilmCard
    rentalDuration
    replacementCost
    specialFeatures
    language {
      name
    }
    actors(first: 100) {
      nodes {
        actorId
        firstName
        lastName
      }
    }
    categories(first: 20) {
      nodes {
        categoryId
        name
      }
    }
    inventory(first: 100) {
      nodes {
        store {
          storeId
        }
      }
    }
  }
}
    fragment FilmCard on Film {
  filmId
  title
  description
  releaseYear
  rating
  length
  rentalRate
  isInStock
  posterUrl
}`),h=new r(`
    query FilmCopiesAtStore($filmId: Int!, $storeId: Int!) {
  film(filmId: $filmId) {
    availableCopies(storeId: $storeId)
  }
}
    `),g=new r(`
    subscription FilmAvailability($filmId: Int!) {
  filmAvailability(filmId: $filmId) {
    filmId
    cause
    deleted
    stores {
      storeId
      inStock
    }
  }
}
    `),_=class extends Error{kind;retryAfterSeconds;fieldErrors;constructor(e,t,n=null,r=[]){super(t),this.kind=e,this.retryAfterSeconds=n,this.fieldErrors=r}};function v(e){let t=Math.max(1,Math.ceil(e));return t===1?`1 second`:`${t} seconds`}function y(e){return e===null?`Too many requests. Please wait a moment and try again.`:`Too many requests. Please try again in ${v(e)}.`}function b(e,t,n=null){switch(e){case`RATE_LIMITED`:return new _(`rate_limited`,y(n),n);case`MODEL_UNAVAILABLE`:return new _(`model_unavailable`,`The assistant is not available right now: the store has no language model running. You can still browse and rent films.`);case`AGENT_BUSY`:return new _(`busy`,`The assistant is busy with other customers. Please try again shortly.`);case`AGENT_TIMEOUT`:return new _(`busy`,`The assistant took too long to answer. Please ask again.`);case`AGENT_OUTPUT_INVALID`:case`AGENT_FAILED`:return new _(`other`,`The assistant could not answer that. Please rephrase and ask again.`);case`UNAUTHENTICATED`:case`INVALID_TOKEN`:case`TOKEN_REUSED`:return new _(`unauthenticated`,`Your session has ended. Please sign in again.`);case`INVALID_CREDENTIALS`:return new _(`validation`,`Wrong e-mail or password.`);case`PERMISSION_DENIED`:return new _(`forbidden`,t||`You may not do that.`);case`NOT_FOUND`:return new _(`not_found`,t||`Not found.`);case`NOT_IN_STOCK`:return new _(`not_in_stock`,`Sorry, no copy is available there any more.`);default:return new _(`other`,t||`Something went wrong. Please try again.`)}}function x(e){let t=e.filter(e=>e.field);if(t.length>0&&t.length===e.length)return new _(`validation`,`Please correct the highlighted fields.`,null,t.map(e=>({field:e.field,message:e.message,code:e.code})));let n=e[0];if(n===void 0)return new _(`other`,`Something went wrong.`);let r=b(n.code,n.message,n.retryAfterSeconds??null);return new _(r.kind,r.message,r.retryAfterSeconds,t.map(e=>({field:e.field,message:e.message,code:e.code})))}function S(e){return e instanceof _?e:new _(`other`,`Something went wrong. Please try again.`)}var C=`pagila.session`,w=new Set;function T(){try{let e=localStorage.getItem(C);return e?JSON.parse(e):null}catch{return null}}var E=T();function D(){return E}function O(e,t=e?`signin`:`signout`){E=e,e?localStorage.setItem(C,JSON.stringify(e)):localStorage.removeItem(C);for(let e of w)e(t)}function k(e=30){if(!E)return!1;let t=Date.parse(E.accessTokenExpiresAt);return Number.isFinite(t)&&t-Date.now()<e*1e3}function ee(e){w.add(e)}async function te(e,t,n){let r={"content-type":`application/json`};n&&(r.authorization=`Bearer ${n}`);try{return await fetch(`/graphql`,{method:`POST`,headers:r,body:JSON.stringify({query:e,variables:t})})}catch{throw new _(`disconnected`,`Cannot reach the store's server. Check your connection and try again.`)}}var A=null;async function j(){let e=D();return e?(A??=(async()=>{try{let t=(await(await te(String(o),{input:{refreshToken:e.refreshToken}},null)).json()).data?.refreshToken.tokens??null;return O(t,t?`refresh`:`signout`),t!==null}catch{return!1}finally{A=null}})(),A):!1}async function M(e,t){let n=String(e);k()&&await j();let r=await te(n,t,D()?.accessToken??null);if(r.status===401&&await j()&&(r=await te(n,t,D()?.accessToken??null)),r.status===401&&O(null),r.status===429){let e=Number(r.headers.get(`retry-after`)),t=Number.isFinite(e)&&e>0?e:null;throw new _(`rate_limited`,y(t),t)}let i;try{i=await r.json()}catch{throw new _(`other`,`The server answered ${r.status}. Please try again.`)}let a=i.errors?.[0];if(a){let e=a.extensions?.code??``;throw e===`UNAUTHENTICATED`&&D()&&O(null),b(e,a.message,a.extensions?.retryAfterSeconds??null)}if(!i.data)throw new _(`other`,`The server sent no data. Please try again.`);return i.data}var ne={G:`G`,PG:`PG`,PG_13:`PG-13`,R:`R`,NC_17:`NC-17`};function N(e){return e?ne[e]??e:`Unrated`}function P(e){if(e==null)return``;let t=Number(e);return Number.isFinite(t)?`$${t.toFixed(2)}`:e}function F(e){if(!e)return``;let t=new Date(e);return Number.isNaN(t.getTime())?e:t.toLocaleDateString(void 0,{dateStyle:`medium`})}function I(t,r){let i=S(t),a=e(`div`,{class:`notice notice-error kind-${i.kind}`,role:`alert`});n(a,i.message);let o=i.retryAfterSeconds;if(i.kind===`rate_limited`&&o!==null){let e=Math.ceil(o),t=window.setInterval(()=>{--e,a.isConnected?e<=0?(window.clearInterval(t),n(a,`You can try again now.`),a.className=`notice notice-info`,r?.()):n(a,`Too many requests. Please try again in ${e} second${e===1?``:`s`}.`):window.clearInterval(t)},1e3)}return a}function re(t,n){ie(t);let r=!1;for(let i of n.fieldErrors){let n=t.querySelector(`[data-field="${CSS.escape(i.field??``)}"]`);if(!n)continue;let a=e(`p`,{class:`field-error`,id:`${n.id}-error`},i.message);n.setAttribute(`aria-invalid`,`true`),n.setAttribute(`aria-describedby`,a.id),n.insertAdjacentElement(`afterend`,a),r||n.focus(),r=!0}return r}function ie(e){for(let t of e.querySelectorAll(`.field-error`))t.remove();for(let t of e.querySelectorAll(`[aria-invalid]`))t.removeAttribute(`aria-invalid`),t.removeAttribute(`aria-describedby`)}function L(t,n,r,i={}){return e(`div`,{class:`field`},e(`label`,{for:n},t),e(`input`,{id:n,name:n,"data-field":r,...i}))}var ae=null,oe=new Set;function R(){return ae}function se(e){oe.add(e)}function z(e){ae=e;for(let e of oe)e()}async function B(){if(!D())z(null);else try{z((await M(c,{})).me)}catch(e){if(S(e).kind===`unauthenticated`)z(null);else throw e}}async function ce(e){if(!e)throw new _(`other`,`The server did not start a session. Please try again.`);O(e),await B(),location.hash=`#/account`}async function le(){let e=D();if(e)try{await M(s,{input:{refreshToken:e.refreshToken}})}catch{}O(null),z(null),location.hash=`#/films`}function ue(t,n,r){return i=>{i.preventDefault();let a=t.querySelector(`button[type=submit]`);a&&(a.disabled=!0),ie(t),n.replaceChildren(),r().catch(r=>{let i=S(r);!re(t,i)||i.fieldErrors.length<1?n.replaceChildren(I(i)):n.replaceChildren(e(`p`,{class:`notice notice-error`,role:`alert`},i.message))}).finally(()=>{a&&(a.disabled=!1)})}}function de(t){let r=e(`div`,{id:`form-status`}),a=e(`form`,{class:`card narrow`,"aria-labelledby":`signin-heading`,novalidate:!0},e(`h1`,{id:`signin-heading`},`Sign in`),L(`E-mail`,`signin-email`,`input.email`,{type:`email`,autocomplete:`username`,required:!0}),L(`Password`,`signin-password`,`input.password`,{type:`password`,autocomplete:`current-password`,required:!0}),r,e(`button`,{type:`submit`,class:`primary`},`Sign in`),e(`p`,{},`New here? `,e(`a`,{href:`#/register`},`Create an account`))),o=e=>(a.querySelector(`#${e}`)?.value??``).trim();a.addEventListener(`submit`,ue(a,r,async()=>{let{login:e}=await M(i,{input:{email:o(`signin-email`),password:a.querySelector(`#signin-password`)?.value??``}});if(e.errors.length)throw x(e.errors);await ce(e.tokens)})),n(t,a),a.querySelector(`#signin-email`)?.focus()}function fe(t){let r=e(`div`,{id:`form-status`}),i=e(`form`,{class:`card narrow`,"aria-labelledby":`register-heading`,novalidate:!0},e(`h1`,{id:`register-heading`},`Create an account`),e(`fieldset`,{},e(`legend`,{},`You`),L(`First name`,`reg-first`,`input.firstName`,{autocomplete:`given-name`,required:!0}),L(`Last name`,`reg-last`,`input.lastName`,{autocomplete:`family-name`,required:!0}),L(`E-mail`,`reg-email`,`input.email`,{type:`email`,autocomplete:`email`,required:!0}),L(`Password (at least 12 characters)`,`reg-password`,`input.password`,{type:`password`,autocomplete:`new-password`,required:!0})),e(`fieldset`,{},e(`legend`,{},`Your address`),L(`Street and number`,`reg-address`,`input.address.address`,{autocomplete:`address-line1`,required:!0}),L(`District / state`,`reg-district`,`input.address.district`,{required:!0}),L(`City`,`reg-city`,`input.address.city`,{autocomplete:`address-level2`,required:!0}),L(`Country`,`reg-country`,`input.address.country`,{autocomplete:`country-name`,required:!0}),L(`Phone`,`reg-phone`,`input.address.phone`,{type:`tel`,autocomplete:`tel`,required:!0}),L(`Postal code`,`reg-postal`,`input.address.postalCode`,{autocomplete:`postal-code`})),e(`div`,{class:`field`},e(`label`,{for:`reg-store`},`Your store`),e(`select`,{id:`reg-store`,"data-field":`input.storeId`},e(`option`,{value:`1`},`Store 1`),e(`option`,{value:`2`},`Store 2`))),r,e(`button`,{type:`submit`,class:`primary`},`Create account`)),o=e=>(i.querySelector(`#${e}`)?.value??``).trim();i.addEventListener(`submit`,ue(i,r,async()=>{let e=o(`reg-postal`),{register:t}=await M(a,{input:{email:o(`reg-email`),password:i.querySelector(`#reg-password`)?.value??``,firstName:o(`reg-first`),lastName:o(`reg-last`),storeId:Number(i.querySelector(`#reg-store`)?.value??`1`),address:{address:o(`reg-address`),district:o(`reg-district`),city:o(`reg-city`),country:o(`reg-country`),phone:o(`reg-phone`),postalCode:e||null}}});if(t.errors.length)throw x(t.errors);await ce(t.tokens)})),n(t,i)}function V(t){let r=R();if(!r){n(t,e(`h1`,{},`My rentals`),e(`p`,{},e(`a`,{href:`#/signin`},`Sign in`),` to see your rentals.`));return}let i=r.customer;if(!i){n(t,e(`h1`,{},`My account`),e(`p`,{},`Signed in as ${r.email} (${r.role.toLowerCase()}). This page is for customers' rentals.`));return}let a=e(`div`,{id:`rental-status`,role:`status`}),o=async(e,n)=>{e.disabled=!0;try{let{returnRental:e}=await M(u,{input:{rentalId:n}});if(e.errors.length)throw x(e.errors);await B(),V(t),document.getElementById(`rental-status`)?.replaceChildren(`Returned “${e.rental?.film.title??``}”. Charge ${P(e.charge)}, due now ${P(e.amountDue)}.`)}catch(t){a.replaceChildren(I(t)),e.disabled=!1}},s=i.rentals.nodes;n(t,e(`h1`,{},`${i.firstName} ${i.lastName}`.toLowerCase().replace(/\b\w/g,e=>e.toUpperCase())),e(`p`,{class:`balance`},`Balance: `,e(`strong`,{id:`balance`,"data-amount":i.balance},P(i.balance)),Number(i.balance)>0?` owed`:Number(i.balance)<0?` in credit`:``),a,e(`h2`,{},`Recent rentals`),s.length?e(`table`,{class:`rentals`,id:`rentals`},e(`thead`,{},e(`tr`,{},e(`th`,{scope:`col`},`Film`),e(`th`,{scope:`col`},`Rented`),e(`th`,{scope:`col`},`Due / returned`),e(`th`,{scope:`col`},``))),e(`tbody`,{},s.map(t=>e(`tr`,{"data-rental-id":t.rentalId},e(`td`,{},e(`a`,{href:`#/film/${t.film.filmId}`},t.film.title)),e(`td`,{},F(t.rentalDate)),e(`td`,{},t.returnDate?`returned ${F(t.returnDate)}`:[`due ${F(t.dueDate)}`,t.isOverdue?e(`span`,{class:`badge badge-out`},`overdue`):null]),e(`td`,{},t.returnDate?``:e(`button`,{type:`button`,"data-return":t.rentalId,onclick:e=>void o(e.currentTarget,t.rentalId)},`Return “${t.film.title}”`)))))):e(`p`,{},`No rentals yet. `,e(`a`,{href:`#/films`},`Find a film`)))}function H(e){return e===null?`null`:Array.isArray(e)?`array`:typeof e}function U(e){return H(e)===`object`}function pe(e){return Array.isArray(e)&&e.length>0&&e.every(e=>`message`in e)}function me(e,t){return e.length<124?e:t}var W=(e=>(e[e.InternalServerError=4500]=`InternalServerError`,e[e.InternalClientError=4005]=`InternalClientError`,e[e.BadRequest=4400]=`BadRequest`,e[e.BadResponse=4004]=`BadResponse`,e[e.Unauthorized=4401]=`Unauthorized`,e[e.Forbidden=4403]=`Forbidden`,e[e.SubprotocolNotAcceptable=4406]=`SubprotocolNotAcceptable`,e[e.ConnectionInitialisationTimeout=4408]=`ConnectionInitialisationTimeout`,e[e.ConnectionAcknowledgementTimeout=4504]=`ConnectionAcknowledgementTimeout`,e[e.SubscriberAlreadyExists=4409]=`SubscriberAlreadyExists`,e[e.TooManyInitialisationRequests=4429]=`TooManyInitialisationRequests`,e))(W||{}),G=(e=>(e.ConnectionInit=`connection_init`,e.ConnectionAck=`connection_ack`,e.Ping=`ping`,e.Pong=`pong`,e.Subscribe=`subscribe`,e.Next=`next`,e.Error=`error`,e.Complete=`complete`,e))(G||{});function he(e){if(!U(e))throw Error(`Message is expected to be an object, but got ${H(e)}`);if(!e.type)throw Error(`Message is missing the 'type' property`);if(typeof e.type!=`string`)throw Error(`Message is expects the 'type' property to be a string, but got ${H(e.type)}`);switch(e.type){case`connection_init`:case`connection_ack`:case`ping`:case`pong`:if(e.payload!=null&&!U(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object or nullish or missing, but got "${e.payload}"`);break;case`subscribe`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${H(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!U(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${H(e.payload)}`);if(typeof e.payload.query!=`string`)throw Error(`"${e.type}" message payload expects the 'query' property to be a string, but got ${H(e.payload.query)}`);if(e.payload.variables!=null&&!U(e.payload.variables))throw Error(`"${e.type}" message payload expects the 'variables' property to be a an object or nullish or missing, but got ${H(e.payload.variables)}`);if(e.payload.operationName!=null&&H(e.payload.operationName)!==`string`)throw Error(`"${e.type}" message payload expects the 'operationName' property to be a string or nullish or missing, but got ${H(e.payload.operationName)}`);if(e.payload.extensions!=null&&!U(e.payload.extensions))throw Error(`"${e.type}" message payload expects the 'extensions' property to be a an object or nullish or missing, but got ${H(e.payload.extensions)}`);break;case`next`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${H(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!U(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${H(e.payload)}`);break;case`error`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${H(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!pe(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an array of GraphQL errors, but got ${JSON.stringify(e.payload)}`);break;case`complete`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${H(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);break;default:throw Error(`Invalid message 'type' property "${e.type}"`)}return e}function ge(e,t){return he(typeof e==`string`?JSON.parse(e,t):e)}function K(e,t){return he(e),JSON.stringify(e,t)}function _e(e){let{url:t,connectionParams:n,lazy:r=!0,onNonLazyError:i=console.error,lazyCloseTimeout:a=0,keepAlive:o=0,disablePong:s,connectionAckWaitTimeout:c=0,retryAttempts:l=5,retryWait:u=async function(e){let t=2**e;await new Promise(e=>setTimeout(e,t*1e3+Math.floor(Math.random()*2700+300)))},shouldRetry:d=q,on:f,webSocketImpl:p,generateID:m=function(){return`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.replace(/[xy]/g,e=>{let t=Math.random()*16|0;return(e==`x`?t:t&3|8).toString(16)})},jsonMessageReplacer:h,jsonMessageReviver:g}=e,_;if(p){if(!be(p))throw Error(`Invalid WebSocket implementation provided`);_=p}else typeof WebSocket<`u`?_=WebSocket:typeof global<`u`?_=global.WebSocket||global.MozWebSocket:typeof window<`u`&&(_=window.WebSocket||window.MozWebSocket);if(!_)throw Error("WebSocket implementation missing; on Node you can `import WebSocket from 'ws';` and pass `webSocketImpl: WebSocket` to `createClient`");let v=_,y=(()=>{let e=(()=>{let e={};return{on(t,n){return e[t]=n,()=>{delete e[t]}},emit(t){`id`in t&&e[t.id]?.(t)}}})(),t={connecting:f?.connecting?[f.connecting]:[],opened:f?.opened?[f.opened]:[],connected:f?.connected?[f.connected]:[],ping:f?.ping?[f.ping]:[],pong:f?.pong?[f.pong]:[],message:f?.message?[e.emit,f.message]:[e.emit],closed:f?.closed?[f.closed]:[],error:f?.error?[f.error]:[]};return{onMessage:e.on,on(e,n){let r=t[e];return r.push(n),()=>{let e=r.indexOf(n);e>-1&&r.splice(e,1)}},emit(e,...n){for(let r of[...t[e]])r(...n)}}})();function b(e){let t=[y.on(`error`,n=>{t.forEach(e=>e()),e(n)}),y.on(`closed`,n=>{t.forEach(e=>e()),e(n)})];return()=>t.forEach(e=>e())}let x,S=0,C,w=!1,T=0,E=!1;async function D(){clearTimeout(C);let[e,r]=await(x??=new Promise((e,r)=>(async()=>{if(w){if(await u(T),!S)return x=void 0,r({code:1e3,reason:`All Subscriptions Gone`});T++}y.emit(`connecting`,w);let i=new v(typeof t==`function`?await t():t,`graphql-transport-ws`),a,l;function d(){isFinite(o)&&o>0&&(clearTimeout(l),l=setTimeout(()=>{i.readyState===v.OPEN&&(i.send(K({type:G.Ping})),y.emit(`ping`,!1,void 0))},o))}b(e=>{x=void 0,clearTimeout(a),clearTimeout(l),r(e),e instanceof ve&&(i.close(4499,`Terminated`),i.onerror=null,i.onclose=null)}),i.onerror=e=>y.emit(`error`,e),i.onclose=e=>y.emit(`closed`,e),i.onopen=async()=>{try{y.emit(`opened`,i);let e=typeof n==`function`?await n():n;if(i.readyState!==v.OPEN)return;i.send(K(e?{type:G.ConnectionInit,payload:e}:{type:G.ConnectionInit},h)),isFinite(c)&&c>0&&(a=setTimeout(()=>{i.close(W.ConnectionAcknowledgementTimeout,`Connection acknowledgement timeout`)},c)),d()}catch(e){y.emit(`error`,e),i.close(W.InternalClientError,me(e instanceof Error?e.message:String(e),`Internal client error`))}};let f=!1;i.onmessage=({data:t})=>{try{let n=ge(t,g);if(y.emit(`message`,n),n.type===`ping`||n.type===`pong`){y.emit(n.type,!0,n.payload),n.type===`pong`?d():s||(i.send(K(n.payload?{type:G.Pong,payload:n.payload}:{type:G.Pong},h)),y.emit(`pong`,!1,n.payload));return}if(f)return;if(n.type!==G.ConnectionAck)throw Error(`First message cannot be of type ${n.type}`);clearTimeout(a),f=!0,y.emit(`connected`,i,n.payload,w),w=!1,T=0;let r=new Promise((e,t)=>b(t));r.catch(()=>{}),e([i,r])}catch(e){i.onmessage=null,y.emit(`error`,e),i.close(W.BadResponse,me(e instanceof Error?e.message:String(e),`Bad response`))}}})()));e.readyState===v.CLOSING&&await r;let i=()=>{},l=new Promise(e=>i=e);return[e,i,new Promise((t,n)=>{let i=b(n);e.readyState!==v.OPEN&&r.catch(n),l.then(()=>{if(i(),!S){let t=()=>e.close(1e3,`Normal Closure`);isFinite(a)&&a>0?(clearTimeout(C),C=setTimeout(()=>{!S&&e.readyState===v.OPEN&&t()},a)):t()}t()})})]}function O(e){if(q(e)&&(ye(e.code)||[W.InternalServerError,W.InternalClientError,W.BadRequest,W.BadResponse,W.Unauthorized,W.SubprotocolNotAcceptable,W.SubscriberAlreadyExists,W.TooManyInitialisationRequests].includes(e.code)))throw e;if(E)return!1;if(q(e)&&e.code===1e3)return S>0;if(!l||T>=l||!d(e))throw e;return w=!0}r||(async()=>{for(S++;;)try{let[,,e]=await D();await e}catch(e){try{if(!O(e))return}catch(e){return i?.(e)}}})();function k(e,t){let n=m(e),r=!1,i=!1,a=()=>{S--,r=!0};return(async()=>{for(S++;;)try{let[o,s,c]=await D();if(r)return c.catch(()=>{}),s();let l=y.onMessage(n,e=>{switch(e.type){case G.Next:t.next(e.payload);return;case G.Error:i=!0,r=!0,t.error(e.payload),a();return;case G.Complete:r=!0,a();return}});o.send(K({id:n,type:G.Subscribe,payload:e},h)),a=()=>{!r&&o.readyState===v.OPEN&&o.send(K({id:n,type:G.Complete},h)),S--,r=!0,s()},await c.finally(l);return}catch(e){if(!O(e))return}})().then(()=>{i||t.complete()}).catch(e=>{t.error(e)}),()=>{r||a()}}return{on:y.on,subscribe:k,iterate(e){let t=[],n={done:!1,error:null,resolve:()=>{}},r=k(e,{next(e){t.push(e),n.resolve()},error(e){n.done=!0,n.error=e,n.resolve()},complete(){n.done=!0,n.resolve()}}),i=async function*(){for(;;){for(t.length||await new Promise(e=>n.resolve=e);t.length;)yield t.shift();if(n.error)throw n.error;if(n.done)return}}();return i.throw=async e=>(n.done||(n.done=!0,n.error=e,n.resolve()),{done:!0,value:void 0}),i.return=async()=>(r(),{done:!0,value:void 0}),i},async dispose(){if(E=!0,x){let[e]=await x;e.close(1e3,`Normal Closure`)}},terminate(){x&&y.emit(`closed`,new ve)}}}var ve=class extends Error{name=`TerminatedCloseEvent`;message=`4499: Terminated`;code=4499;reason=`Terminated`;wasClean=!1};function q(e){return U(e)&&`code`in e&&`reason`in e}function ye(e){return![1e3,1001,1006,1005,1012,1013,1014].includes(e)&&e>=1e3&&e<=1999}function be(e){return typeof e==`function`&&`constructor`in e&&`CLOSED`in e&&`CLOSING`in e&&`CONNECTING`in e&&`OPEN`in e}var xe=new Set,Se=`connecting`;function J(e){Se=e;for(let t of xe)t(e)}function Ce(e){xe.add(e),e(Se)}function we(){let e=!1,t=location.protocol===`https:`?`wss`:`ws`,n=!1,r=_e({url:`${t}://${location.host}/graphql`,lazy:!1,keepAlive:15e3,connectionParams:async()=>{k()&&await j();let e=D()?.accessToken;return e?{Authorization:`Bearer ${e}`}:{}},retryAttempts:1/0,shouldRetry:()=>!0,retryWait:async e=>{await new Promise(t=>setTimeout(t,Math.min(1e3*2**e,1e4)))},on:{connecting:()=>{e||J(n?`reconnecting`:`connecting`)},connected:()=>{n=!0,e||J(`connected`)},closed:t=>{n&&!e&&J(Te(t?.code??1006)?`reconnecting`:`closed`)}}});return{client:r,retire:()=>{e=!0,r.dispose()}}}function Te(e){return[1e3,1001,1005,1006,1012,1013,1014].includes(e)?!0:!(e>=1e3&&e<=1999)&&![4500,4005,4400,4004,4401,4406,4409,4429].includes(e)}var Y=we();ee(e=>{e!==`refresh`&&(Y.retire(),Y=we())});function Ee(){return Y.client}function De(e,t){return Y.client.subscribe({query:String(g),variables:{filmId:e}},{next:e=>{let n=e.data?.filmAvailability;n&&!n.deleted&&t(n.stores)},error:()=>void 0,complete:()=>void 0})}var Oe=12,ke=[`G`,`PG`,`PG_13`,`R`,`NC_17`],Ae={relevance:{label:`Best match / title`,order:null},"title-asc":{label:`Title A–Z`,order:{field:`TITLE`,direction:`ASC`}},"title-desc":{label:`Title Z–A`,order:{field:`TITLE`,direction:`DESC`}},"length-asc":{label:`Shortest first`,order:{field:`LENGTH`,direction:`ASC`}},"length-desc":{label:`Longest first`,order:{field:`LENGTH`,direction:`DESC`}},"rate-asc":{label:`Cheapest first`,order:{field:`RENTAL_RATE`,direction:`ASC`}},"year-desc":{label:`Newest first`,order:{field:`RELEASE_YEAR`,direction:`DESC`}}};function je(t){return e(`li`,{class:`film-card`},t.posterUrl?e(`img`,{class:`poster-thumb`,src:t.posterUrl,alt:``,loading:`lazy`}):null,e(`a`,{href:`#/film/${t.filmId}`,class:`film-link`,"data-film-id":t.filmId},e(`span`,{class:`film-title`},t.title)),e(`p`,{class:`film-meta`},e(`span`,{class:`badge`},N(t.rating)),t.releaseYear?` ${t.releaseYear}`:``,t.length?` · ${t.length} min`:``,` · ${P(t.rentalRate)}`,t.isInStock?``:e(`span`,{class:`badge badge-out`},`out of stock`)),t.description?e(`p`,{class:`film-description`},t.description):null)}var Me=null;function Ne(t,r){let i={q:r.get(`q`)??``,category:r.get(`category`)??``,rating:r.get(`rating`)??``,sort:r.get(`sort`)??`relevance`,after:r.get(`after`),before:r.get(`before`)},a=e(`input`,{id:`search`,type:`search`,name:`q`,value:i.q,placeholder:`e.g. dinosaur, "mad scientist", drama -teacher`,autocomplete:`off`}),o=e(`select`,{id:`category`,name:`category`},e(`option`,{value:``},`All categories`)),s=e(`select`,{id:`rating`,name:`rating`},e(`option`,{value:``},`All ratings`),ke.map(t=>e(`option`,{value:t,selected:t===i.rating},N(t)))),c=e(`select`,{id:`sort`,name:`sort`},Object.entries(Ae).map(([t,n])=>e(`option`,{value:t,selected:t===i.sort},n.label))),l=e(`div`,{id:`results`,"aria-live":`polite`,"aria-busy":`true`}),u=e=>{let t={...i,after:null,before:null,...e},n=new URLSearchParams;for(let[e,r]of Object.entries(t))r&&(e!==`sort`||r!==`relevance`)&&n.set(e,String(r));location.hash=`#/films?${n.toString()}`},d=e(`form`,{class:`filters`,role:`search`,"aria-label":`Find films`,onsubmit:e=>{e.preventDefault(),u({q:a.value.trim(),category:o.value,rating:s.value,sort:c.value})}},e(`div`,{class:`field field-grow`},e(`label`,{for:`search`},`Search titles and descriptions`),a),e(`div`,{class:`field`},e(`label`,{for:`category`},`Category`),o),e(`div`,{class:`field`},e(`label`,{for:`rating`},`Rating`),s),e(`div`,{class:`field`},e(`label`,{for:`sort`},`Sort by`),c),e(`button`,{type:`submit`,class:`primary`},`Search`));for(let e of[o,s,c])e.addEventListener(`change`,()=>u({q:a.value.trim(),category:o.value,rating:s.value,sort:c.value}));n(t,e(`h1`,{},`Films`),d,l),(async()=>{try{Me??=(await M(p,{})).categories.nodes;for(let t of Me)o.append(e(`option`,{value:t.categoryId,selected:String(t.categoryId)===i.category},t.name))}catch{}})(),Pe(l,i,u)}async function Pe(t,r,i){let a={};r.q&&(a.fulltext=r.q),r.category&&(a.categoryIds=[Number(r.category)]),r.rating&&(a.ratings=[r.rating]);let o={filter:a,orderBy:Ae[r.sort]?.order??null};r.before?(o.last=Oe,o.before=r.before):(o.first=Oe,o.after=r.after);try{let{films:a}=await M(f,o),{pageInfo:s}=a,c=e(`nav`,{class:`pager`,"aria-label":`Pages`},e(`button`,{type:`button`,id:`prev-page`,disabled:!s.hasPreviousPage,onclick:()=>i({...r,after:null,before:s.startCursor??null})},`← Previous`),e(`button`,{type:`button`,id:`next-page`,disabled:!s.hasNextPage,onclick:()=>i({...r,before:null,after:s.endCursor??null})},`Next →`));n(t,e(`p`,{class:`count`,id:`result-count`},`${a.totalCount} film${a.totalCount===1?``:`s`}`),a.nodes.length?e(`ul`,{class:`film-grid`,id:`film-list`},a.nodes.map(je)):e(`p`,{},`No film matches. Try fewer words or another filter.`),c)}catch(e){n(t,I(e,()=>void Pe(t,r,i)))}finally{t.setAttribute(`aria-busy`,`false`)}}var X=()=>void 0;function Fe(){X(),X=()=>void 0}function Ie(t,r){X();let i=e(`div`,{"aria-live":`polite`,"aria-busy":`true`},`Loading…`);n(t,e(`p`,{},e(`a`,{href:`#/films`},`← All films`)),i);let a=async()=>{try{let{film:t}=await M(m,{filmId:r});if(!t){n(i,e(`h1`,{},`Film not found`),e(`p`,{},`There is no film number ${r}.`));return}let o=[...new Set(t.inventory.nodes.map(e=>e.store.storeId))].sort((e,t)=>e-t),s=await Promise.all(o.map(async e=>[e,(await M(h,{filmId:r,storeId:e})).film?.availableCopies??0])),c=R(),u=e(`div`,{id:`rent-status`,role:`status`}),d=e=>e===0?`none available`:`${e} available`,f=s.map(([t,n])=>e(`tr`,{},e(`th`,{scope:`row`},`Store ${t}`),e(`td`,{"data-store":t,class:`copies`},d(n)),e(`td`,{},c?.customer?e(`button`,{type:`button`,class:`primary`,"data-rent-store":t,disabled:n===0,onclick:e=>void p(e.currentTarget,t)},`Rent at store ${t}`):e(`a`,{href:`#/signin`},`Sign in to rent`))));X(),X=De(r,e=>{for(let t of e){let e=i.querySelector(`td[data-store="${t.storeId}"]`);e&&(e.textContent=d(t.inStock));let n=i.querySelector(`button[data-rent-store="${t.storeId}"]`);n&&!n.dataset.busy&&(n.disabled=t.inStock===0)}});let p=async(e,t)=>{let n=R()?.customer;if(n){e.disabled=!0,e.dataset.busy=`1`;try{let{rentFilm:e}=await M(l,{input:{customerId:n.customerId,storeId:t,filmId:r,idempotencyKey:crypto.randomUUID()}});if(e.errors.length)throw x(e.errors);await B(),await a(),document.getElementById(`rent-status`)?.replaceChildren(`Rented: copy ${e.rental?.inventory.inventoryId} from store ${t}. See “My rentals”.`)}catch(t){u.replaceChildren(I(t)),e.disabled=!1}finally{delete e.dataset.busy}}};n(i,e(`h1`,{id:`film-title`},t.title),t.posterUrl?e(`img`,{class:`poster`,src:t.posterUrl,alt:`Poster of ${t.title}`}):null,e(`p`,{class:`film-meta`},e(`span`,{class:`badge`},N(t.rating)),t.releaseYear?` ${t.releaseYear}`:``,t.length?` · ${t.length} min`:``,` · ${t.language.name}`),t.description?e(`p`,{class:`lead`},t.description):null,e(`dl`,{class:`facts`},e(`dt`,{},`Rental`),e(`dd`,{},`${P(t.rentalRate)} for ${t.rentalDuration} days`),e(`dt`,{},`Replacement cost`),e(`dd`,{},P(t.replacementCost)),e(`dt`,{},`Categories`),e(`dd`,{id:`film-categories`},t.categories.nodes.map(e=>e.name).join(`, `)||`—`),t.specialFeatures.length?[e(`dt`,{},`Extras`),e(`dd`,{},t.specialFeatures.join(`, `))]:null),e(`h2`,{},`Availability`),o.length===0?e(`p`,{},`No store holds a copy of this film.`):null,e(`table`,{class:`availability`,id:`availability`},e(`caption`,{class:`visually-hidden`},`Copies in stock per store`),e(`tbody`,{},f)),u,e(`h2`,{},`Cast`),e(`ul`,{class:`cast`,id:`film-actors`},t.actors.nodes.map(t=>e(`li`,{},`${t.firstName} ${t.lastName}`.toLowerCase())))),document.title=`${t.title} · Pagila DVD`}catch(e){n(i,I(e,()=>void a()))}finally{i.setAttribute(`aria-busy`,`false`)}};a()}var Le={SearchAgent:`Film search`,LLMAgent:`General assistant`};function Z(e){return Le[e]??e.replace(/([a-z])([A-Z])/g,`$1 $2`)}function Re(){let t=null,n=null,r=e(`ol`,{class:`chat-log`,id:`chat-log`,"aria-live":`polite`,"aria-relevant":`additions`}),i=e(`textarea`,{id:`chat-question`,name:`question`,rows:2,required:!0,maxlength:2e3,placeholder:`e.g. Is ACADEMY DINOSAUR in stock at store 1?`}),a=e(`button`,{type:`submit`,class:`primary`,id:`chat-send`},`Ask`),o=e(`button`,{type:`button`,id:`chat-cancel`,hidden:!0},`Cancel`),s=e(`button`,{type:`button`,id:`chat-new`,class:`link`},`New conversation`),c=e(`span`,{id:`chat-conversation`,class:`muted`},``),l=e(`p`,{id:`chat-connection`,class:`muted`,role:`status`});Ce(e=>{l.dataset.state=e,l.textContent=e===`reconnecting`?`Disconnected from the assistant — reconnecting automatically…`:e===`closed`?`Disconnected from the assistant. Your next question reconnects.`:``,l.className=e===`reconnecting`||e===`closed`?`notice notice-warn`:`muted`});let u=0,f=e=>{a.disabled=e||Date.now()<u,o.hidden=!e,i.disabled=e};s.addEventListener(`click`,()=>{n?.(),t=null,c.textContent=``,r.replaceChildren(),i.focus()});let p=s=>{r.append(e(`li`,{class:`msg msg-user`},e(`span`,{class:`visually-hidden`},`You: `),s));let l=e(`p`,{class:`msg-agent`},`Assistant`),p=e(`div`,{class:`msg-text`,"data-delta-count":0}),m=e(`ul`,{class:`steps`}),h=e(`details`,{class:`steps-box`,hidden:!0},e(`summary`,{},`How I got this`),m),g=e(`div`,{class:`msg-extra`}),v=e(`li`,{class:`msg msg-assistant`,"aria-busy":`true`},l,p,h,g);r.append(v),v.scrollIntoView({block:`end`});let y=0,x=``,S=(t,n)=>{h.hidden=!1,m.append(e(`li`,{},t,n?e(`pre`,{},n):null))},C=()=>{v.setAttribute(`aria-busy`,`false`),f(!1),n=null,i.focus()},w=e=>{if(g.append(I(e)),e.kind===`rate_limited`&&e.retryAfterSeconds){let t=e.retryAfterSeconds*1e3;u=Date.now()+t,a.disabled=!0,window.setTimeout(()=>a.disabled=!o.hidden,t)}},T=n=>{switch(n.__typename){case`RunStarted`:n.conversationId&&(t=n.conversationId);break;case`AgentMessageDelta`:n.agent!==x&&(x=n.agent,l.textContent=Z(n.agent),l.dataset.agent=n.agent),y+=1,p.append(n.delta),p.dataset.deltaCount=String(y);break;case`ToolCallStarted`:S(`${Z(n.agent)} looks up ${n.plugin}.${n.function}`,n.arguments);break;case`ToolCallFinished`:S(`${n.plugin}.${n.function} answered in ${Math.round(n.durationMs)} ms`,n.resultPreview);break;case`HandoffOccurred`:S(`${Z(n.fromAgent)} handed over to ${Z(n.toAgent)}`,n.reason),l.textContent=Z(n.toAgent),l.dataset.agent=n.toAgent;break;case`RunCompleted`:n.conversationId&&(t=n.conversationId),c.textContent=t?`Conversation #${t}`:``,l.textContent=Z(n.agent),l.dataset.agent=n.agent,p.textContent||=n.answer,n.films.length&&g.append(e(`ul`,{class:`film-grid film-grid-small`,"aria-label":`Films mentioned`},n.films.map(je))),n.ungroundedTitles.length&&g.append(e(`p`,{class:`notice notice-warn`},`Not in our catalogue: ${n.ungroundedTitles.join(`, `)}.`));break;case`RunFailed`:w(b(n.code,n.message,n.retryAfterSeconds??null))}v.scrollIntoView({block:`end`})};f(!0);let E=!1,D=Ee().subscribe({query:String(d),variables:{question:s,conversationId:t}},{next:e=>{if(e.errors?.length){let t=e.errors[0],n=String(t?.extensions?.code??``);w(b(n,t?.message??``))}else e.data&&T(e.data.agentStream)},error:e=>{if(E)return;E=!0;let t=Array.isArray(e)?String(e[0]?.message??``):``;w(t?new _(`other`,t):new _(`disconnected`,`The connection to the assistant was lost. Please ask again.`)),C()},complete:()=>{E||(E=!0,C())}});n=()=>{E||(E=!0,D(),g.append(e(`p`,{class:`muted`},`Cancelled.`)),C())}};o.addEventListener(`click`,()=>n?.());let m=e(`form`,{class:`chat-form`,onsubmit:e=>{e.preventDefault();let t=i.value.trim();t?(i.removeAttribute(`aria-invalid`),i.value=``,p(t)):(i.setAttribute(`aria-invalid`,`true`),i.focus())}},e(`label`,{for:`chat-question`},`Ask the store’s assistant`),i,e(`div`,{class:`chat-actions`},a,o,s));return i.addEventListener(`keydown`,e=>{e.key===`Enter`&&!e.shiftKey&&(e.preventDefault(),m.requestSubmit())}),e(`section`,{class:`chat`,id:`chat`,"aria-labelledby":`chat-heading`},e(`h2`,{id:`chat-heading`},`Assistant `,c),l,r,m)}var ze=document.getElementById(`app`);if(!ze)throw Error(`#app is missing`);var Be=e(`nav`,{class:`top-nav`,"aria-label":`Main`}),Q=e(`main`,{id:`main`,tabindex:-1}),Ve=Re(),$=e(`button`,{type:`button`,class:`chat-toggle`,"aria-controls":`chat`,"aria-expanded":`false`},`Assistant`);$.addEventListener(`click`,()=>{let e=document.body.classList.toggle(`chat-open`);$.setAttribute(`aria-expanded`,String(e)),$.textContent=e?`Close assistant`:`Assistant`,e&&document.getElementById(`chat-question`)?.focus()}),n(ze,e(`a`,{href:`#main`,class:`skip-link`},`Skip to content`),e(`header`,{class:`site-header`},e(`a`,{href:`#/films`,class:`brand`},`Pagila DVD`),Be,$),e(`div`,{class:`layout`},Q,Ve));function He(){let t=R();n(Be,e(`a`,{href:`#/films`},`Films`),t?[e(`a`,{href:`#/account`,id:`nav-account`},t.customer?`My rentals`:`My account`),e(`button`,{type:`button`,class:`link`,id:`sign-out`,onclick:()=>void le()},`Sign out`)]:[e(`a`,{href:`#/signin`,id:`nav-signin`},`Sign in`),e(`a`,{href:`#/register`},`Register`)])}function Ue(){let[e=``,t=``]=location.hash.replace(/^#/,``).split(`?`),n=new URLSearchParams(t),r=/^\/film\/(\d+)$/.exec(e);document.title=`Pagila DVD`,Fe(),r?Ie(Q,Number(r[1])):e===`/signin`?de(Q):e===`/register`?fe(Q):e===`/account`?V(Q):Ne(Q,n);for(let t of Be.querySelectorAll(`a`))t.getAttribute(`href`)===`#${e}`&&t.setAttribute(`aria-current`,`page`)}se(()=>{He(),location.hash.startsWith(`#/account`)&&V(Q)}),window.addEventListener(`hashchange`,()=>{document.body.classList.contains(`chat-open`)&&$.click(),Ue(),Q.focus({preventScroll:!0})}),He(),Ue(),B().catch(e=>Q.prepend(I(e)));